"""A host's view of the people in a live room (who is present, who signed up, who came
and for how long) is a read of their data: each is in the access log, and each attendee
sees the host there by role and name, never by e-mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone

from accounts.models import AccessAuditEntry
from accounts.roles import Role
from events import services as events
from events.models import Event
from tests.helpers import api_json, bearer, new_user
from tests.realtime.helpers import signed_in, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def a_room_with_two():
    host = new_user(Role.DIETITIAN, display_name="Dana Host")
    start = timezone.now() + timedelta(minutes=30)
    event = events.create_event(
        host, title="Live class", kind=Event.Kind.VIRTUAL, starts_at=start,
        ends_at=start + timedelta(hours=1), time_zone="UTC",
    )  # fmt: skip
    people = [new_user(Role.CUSTOMER) for _ in range(2)]
    for person in people:
        events.rsvp(person, event.pk)
    return event, host, people


@database_sync_to_async
def http_get(user, path: str):
    return Client().get(path, **bearer(user))


@database_sync_to_async
def entries(action: str) -> list[tuple[int, int]]:
    rows = AccessAuditEntry.objects.filter(action=action).values_list("actor_id", "subject_id")
    return sorted(rows)


async def test_who_is_present_who_signed_up_and_who_came_are_audited_reads():
    event, host, (ann, ben) = await a_room_with_two()
    sock = await signed_in(ann)
    await subscribe(sock, event.topic)

    present = await http_get(host, f"/api/events/{event.pk}/room/present")
    assert [p["user"] for p in api_json(present)["attendees"]] == [ann.pk]
    assert await entries("view_room_presence") == [(host.pk, ann.pk)]

    assert (await http_get(host, f"/api/events/{event.pk}/attendees")).status_code == 200
    assert await entries("view_attendees") == sorted([(host.pk, ann.pk), (host.pk, ben.pk)])

    assert (await http_get(host, f"/api/events/{event.pk}/attendance")).status_code == 200
    assert await entries("view_attendance") == [(host.pk, ann.pk)]

    seen = api_json(await http_get(ann, "/api/me/access-log"))
    shown = seen["items"]
    assert {e["action"] for e in shown} >= {"view_room_presence", "view_attendees"}
    assert host.email not in str(shown) and "Dana Host" in str(shown)


async def test_an_attendee_asking_who_is_present_reads_nobody():
    event, _, (ann, ben) = await a_room_with_two()
    sock = await signed_in(ann)
    await subscribe(sock, event.topic)
    present = api_json(await http_get(ben, f"/api/events/{event.pk}/room/present"))
    assert present["attendees"] == [] and present["count"] == 1
    assert await entries("view_room_presence") == []
