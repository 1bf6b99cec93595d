"""Creates the benchmark's users, conversations and access tokens in the database.

Run inside the app with its environment (the driver does this):
``python manage.py shell -c "from bench.seed import main; main()"`` with
``BENCH_SEED_SPEC`` naming a JSON file ``{"users": N, "group": G, "pairs": P, "room": R}`` and
``BENCH_SEED_OUT`` the JSON file to write.

Users are made in bulk with unusable passwords (hashing thousands of passwords would
take minutes); each gets an access token as an app would after signing in. Users
0..G-1 form one group conversation; the next 2*P users form P direct conversations;
user 0 hosts a live room (a virtual event) where users 1..R-1 have a place. With
``"health": true`` also the health scenario's customer and results (bench/health_seed.py);
with ``"dashboard": true`` the dashboard scenario's dietitian and customers
(bench/dashboard_seed.py).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import issue_token_pair
from bench import dashboard_seed, health_seed
from community.models import Conversation, Membership
from events.models import Event, Rsvp


def main() -> None:
    spec = json.loads(Path(os.environ["BENCH_SEED_SPEC"]).read_text())
    count, group_size, pairs = spec["users"], spec["group"], spec["pairs"]
    assert group_size + 2 * pairs <= count
    with transaction.atomic():
        fresh = []
        for i in range(count):
            user = User(email=f"bench-{i:05d}@example.org", display_name=f"Bench {i}")
            user.set_unusable_password()
            fresh.append(user)
        User.objects.bulk_create(fresh, batch_size=1000)
        users = list(User.objects.filter(email__startswith="bench-").order_by("email"))
        assert len(users) == count

        group = Conversation.objects.create(
            kind=Conversation.Kind.GROUP, title="Benchmark fan-out", created_by=users[0]
        )
        memberships = [Membership(conversation=group, user=u) for u in users[:group_size]]
        direct: list[int] = []
        for p in range(pairs):
            a, b = users[group_size + 2 * p], users[group_size + 2 * p + 1]
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT,
                direct_key=f"{min(a.pk, b.pk)}:{max(a.pk, b.pk)}",
                created_by=a,
            )
            memberships += [
                Membership(conversation=conversation, user=a),
                Membership(conversation=conversation, user=b),
            ]
            direct.append(conversation.pk)
        Membership.objects.bulk_create(memberships, batch_size=1000)

        # A live room: users[0] hosts it, the next ones have a place (an RSVP).
        host = users[0]
        User.objects.filter(pk=host.pk).update(role=Role.DIETITIAN)
        start = timezone.now() + timedelta(minutes=30)
        room = Event.objects.create(
            title="Benchmark live class", kind=Event.Kind.VIRTUAL, organiser=host,
            time_zone="UTC", starts_at=start, ends_at=start + timedelta(hours=2),
        )  # fmt: skip
        Rsvp.objects.bulk_create(
            [Rsvp(event=room, user=u, status=Rsvp.Status.GOING) for u in users[1 : spec["room"]]],
            batch_size=1000,
        )

    out = {
        "users": [{"id": u.pk, "token": issue_token_pair(u)["access_token"]} for u in users],
        "group": group.pk,
        "room": room.pk,
        "direct": direct,
    }
    if spec.get("health"):
        # A customer with ten years of results, and the queries each measured read makes.
        out["health"] = health_seed.seed()
    if spec.get("dashboard"):
        # A dietitian with 500 customers, and the queries each measured read makes.
        out["dashboard"] = dashboard_seed.seed()
    Path(os.environ["BENCH_SEED_OUT"]).write_text(json.dumps(out))
