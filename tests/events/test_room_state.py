"""What a member gets on entering (or reloading) a live room: the latest poll with their
own vote, and whether their hand is up; nothing for those without a place."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from events import classes, interaction
from events import services as events
from events.models import Event
from realtime import presence
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def test_a_reload_finds_the_open_poll_my_vote_and_my_raised_hand(make_user, dietitian):
    start = timezone.now() + timedelta(minutes=5)
    event = events.create_event(
        dietitian, title="Live class", kind=Event.Kind.VIRTUAL, starts_at=start,
        ends_at=start + timedelta(hours=1),
    )  # fmt: skip
    ann, ben, outsider = make_user(Role.CUSTOMER), make_user(Role.CUSTOMER), make_user()
    for person in (ann, ben):
        events.rsvp(person, event.pk)

    def room(user):
        return Client().get(f"/api/events/{event.pk}/room", **bearer(user))

    first = api_json(room(ann))
    assert (first["poll"], first["my_vote"], first["hand_raised"]) == (None, None, False)

    poll = interaction.open_poll(dietitian, event.pk, "Tried it?", ["Yes", "No"])
    interaction.vote(ann, poll.pk, 1)
    interaction.raise_hand(ann, event.pk, True)

    again = api_json(room(ann))
    assert again["poll"]["question"] == "Tried it?"
    assert again["poll"]["counts"] == [0, 1]
    assert again["poll"]["closed"] is False
    assert (again["my_vote"], again["hand_raised"]) == (1, True)
    other = api_json(room(ben))
    assert (other["poll"]["id"], other["my_vote"], other["hand_raised"]) == (poll.pk, None, False)

    interaction.close_poll(dietitian, event.pk, poll.pk)
    assert api_json(room(ben))["poll"]["closed"] is True
    assert room(outsider).status_code == 404


def test_hosts_see_who_is_a_host_among_those_present_and_classes_say_their_kind(
    make_user, dietitian
):
    start = timezone.now() + timedelta(days=1)
    series = classes.create_series(
        dietitian, title="Cooking basics", wellness_education=True, first_start=start,
        duration_minutes=45, sessions=2,
    )  # fmt: skip
    shown = api_json(Client().get(f"/api/classes/{series.pk}", **bearer(make_user())))
    assert shown["kind"] == "virtual"

    event = events.create_event(
        dietitian, title="Live", kind=Event.Kind.VIRTUAL, starts_at=start,
        ends_at=start + timedelta(hours=1),
    )  # fmt: skip
    ann = make_user(Role.CUSTOMER)
    events.rsvp(ann, event.pk)
    with patch.object(presence, "online", return_value={dietitian.pk, ann.pk}):
        present = api_json(
            Client().get(f"/api/events/{event.pk}/room/present", **bearer(dietitian))
        )
    assert {(p["user"], p["host"]) for p in present["attendees"]} == {
        (dietitian.pk, True),
        (ann.pk, False),
    }
