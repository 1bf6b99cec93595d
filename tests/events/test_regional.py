"""Regional events and classes are for the members of their region on every door: the
listing, the event, its calendar file, RSVPs, the class and each of its sessions. Anyone
may read and come to an in-person event; care professionals and staff see everything."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.roles import Role
from events import classes
from events.models import Event
from tests.events.helpers import make_event
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def virtual_event(organiser, **fields: Any) -> Event:
    start = timezone.now() + timedelta(days=3)
    return make_event(
        organiser,
        **{"title": "Ontario support circle", "kind": "virtual", "venue": "",
           "ends_at": start + timedelta(hours=1), "starts_at": start, **fields},
    )  # fmt: skip


def doors(client, user, event_id: int) -> dict[str, int]:
    """What each way of reading an event answers ``user``."""
    auth = bearer(user)
    listed = api_json(client.get("/api/events", **auth))
    return {
        "listed": int(any(e["id"] == event_id for e in listed)),
        "detail": client.get(f"/api/events/{event_id}", **auth).status_code,
        "ics": client.get(f"/api/events/{event_id}/event.ics", **auth).status_code,
    }


def test_a_regional_event_is_read_only_by_members_of_its_region(client, make_user, dietitian):
    event = virtual_event(dietitian)
    inside = make_user(Role.CUSTOMER, region="ca-on")
    outside = make_user(Role.CUSTOMER, region="ca-bc")
    nowhere = make_user(Role.CUSTOMER, region="")

    assert doors(client, inside, event.pk) == {"listed": 1, "detail": 200, "ics": 200}
    for stranger in (outside, nowhere):
        assert doors(client, stranger, event.pk) == {"listed": 0, "detail": 404, "ics": 404}
        assert client.put(f"/api/events/{event.pk}/rsvp", **bearer(stranger)).status_code == 404
    provider = make_user(Role.MEDICAL_PROVIDER, region="ca-bc")
    assert doors(client, provider, event.pk)["detail"] == 200

    # An event for everyone, and one in person (anyone may come), are read by all.
    for open_event in (
        virtual_event(dietitian, region="", title="Label reading"),
        virtual_event(dietitian, kind="in_person", venue="Market", title="Market walk"),
    ):
        reads = doors(client, outside, open_event.pk)
        assert (reads["detail"], reads["ics"]) == (200, 200)


def test_sessions_of_a_regional_class_are_read_only_by_members_of_its_region(
    client, make_user, dietitian
):
    start = timezone.now() + timedelta(days=2)
    local = classes.create_series(
        dietitian, title="Ontario market tours", region="ca-on", kind="in_person",
        venue="Market", first_start=start, duration_minutes=90, sessions=2,
    )  # fmt: skip
    wellness = classes.create_series(
        dietitian, title="Reading labels", wellness_education=True, first_start=start,
        duration_minutes=45, sessions=1,
    )  # fmt: skip
    inside = make_user(Role.CUSTOMER, region="ca-on")
    outside = make_user(Role.CUSTOMER, region="ca-bc")

    assert client.get(f"/api/classes/{local.pk}", **bearer(outside)).status_code == 404
    assert client.get(f"/api/classes/{local.pk}", **bearer(inside)).status_code == 200
    for session in local.sessions.all():
        assert doors(client, outside, session.pk) == {"listed": 0, "detail": 404, "ics": 404}
        assert doors(client, inside, session.pk) == {"listed": 1, "detail": 200, "ics": 200}
    (open_session,) = wellness.sessions.all()
    assert doors(client, outside, open_session.pk)["detail"] == 200
