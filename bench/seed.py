"""Creates the benchmark's users, conversations and access tokens in the database.

Run inside the app with its environment (the driver does this):
``python manage.py shell -c "from bench.seed import main; main()"`` with
``BENCH_SEED_SPEC`` naming a JSON file ``{"users": N, "group": G, "pairs": P}`` and
``BENCH_SEED_OUT`` the JSON file to write.

Users are made in bulk with unusable passwords (hashing thousands of passwords would
take minutes); each gets an access token as an app would after signing in. Users
0..G-1 form one group conversation; the next 2*P users form P direct conversations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.db import transaction

from accounts.models import User
from accounts.services import issue_token_pair
from community.models import Conversation, Membership


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

    out = {
        "users": [{"id": u.pk, "token": issue_token_pair(u)["access_token"]} for u in users],
        "group": group.pk,
        "direct": direct,
    }
    Path(os.environ["BENCH_SEED_OUT"]).write_text(json.dumps(out))
