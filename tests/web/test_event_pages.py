"""The pages of events and classes as the server renders them: an event or class outside
the member's audience is not found (as in the API), the forms to create them are for
organisers only, and the live room names its event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from events import classes, rooms
from events import services as events
from events.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def dietitian(make_user):
    return make_user(Role.DIETITIAN, time_zone="America/Toronto")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_regional_events_and_classes_are_not_found_outside_their_region(make_user, dietitian):
    start = timezone.now() + timedelta(days=2)
    event = events.create_event(
        dietitian, title="Ontario cooking live", kind=Event.Kind.VIRTUAL, region="ca-on",
        starts_at=start, ends_at=start + timedelta(hours=1),
    )  # fmt: skip
    series = classes.create_series(
        dietitian, title="Ontario class", region="ca-on", first_start=start,
        duration_minutes=60, sessions=2,
    )  # fmt: skip
    here = signed_in(make_user(Role.CUSTOMER, region="ca-on"))
    elsewhere = signed_in(make_user(Role.CUSTOMER, region="ca-bc"))

    for path in (f"/events/{event.pk}", f"/events/{event.pk}/room", f"/classes/{series.pk}"):
        assert elsewhere.get(path).status_code == 404, path
        assert here.get(path).status_code == 200, path
    page = here.get(f"/events/{event.pk}").content.decode()
    assert "<title>Ontario cooking live · eDietitian Community</title>" in page
    room = here.get(f"/events/{event.pk}/room").content.decode()
    assert "<title>Live room: Ontario cooking live · eDietitian Community</title>" in room
    assert here.get("/events/999999").status_code == 404


def test_only_organisers_get_the_forms_to_create_events_and_classes(make_user, dietitian):
    customer = signed_in(make_user(Role.CUSTOMER))
    organiser = signed_in(dietitian)
    for path in ("/events/new", "/classes/new"):
        assert customer.get(path).status_code == 403, path
        assert organiser.get(path).status_code == 200, path
    for path in ("/events", "/events?mine=1", "/classes"):
        assert customer.get(path).status_code == 200, path


def test_the_live_room_page_says_why_one_is_not_in(make_user, dietitian):
    start = timezone.now() + timedelta(days=2)
    in_person = events.create_event(
        dietitian, title="Market walk", kind=Event.Kind.IN_PERSON, venue="Market",
        region="ca-on", starts_at=start, ends_at=start + timedelta(hours=1),
    )  # fmt: skip
    online = events.create_event(
        dietitian, title="Online talk", kind=Event.Kind.VIRTUAL, starts_at=start,
        ends_at=start + timedelta(hours=1),
    )  # fmt: skip
    ann, ben = make_user(Role.CUSTOMER), make_user(Role.CUSTOMER)
    events.rsvp(ann, online.pk)
    rooms.restrict(dietitian, online.pk, ann.pk, muted=None, removed=True)

    assert signed_in(ann).get(f"/events/{in_person.pk}/room").status_code == 404
    removed = signed_in(ann).get(f"/events/{online.pk}/room").content.decode()
    assert "The host removed you from this room." in removed
    outside = signed_in(ben).get(f"/events/{online.pk}/room").content.decode()
    assert "You are not in this room." in outside and "take a place" in outside
    events.cancel_event(dietitian, online.pk, "ill")
    cancelled = signed_in(ben).get(f"/events/{online.pk}/room").content.decode()
    assert "This event was cancelled: its room is closed." in cancelled
