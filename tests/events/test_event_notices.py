"""Notices and mail about an event: a queued mail holds ids, never words, and is written
when it is sent from the event as it is then; a renamed event's notices name it as it is
now, over HTTP and in the stored events a replay of user:{id} sends."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from accounts.roles import Role
from events import reminders
from events import services as events
from events.models import Event
from notifications import tasks
from notifications.models import Notification
from notifications.services import email_if_wanted, set_preference
from realtime.models import LogEntry
from tests.events.helpers import make_event
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(monkeypatch) -> list[tuple[Any, ...]]:
    """The mail queue with the worker stopped: what each queued task was given."""
    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.email_notice, "delay", lambda *args: queued.append(args))
    return queued


def patch(client, user, event: Event, **changes: Any):
    return client.patch(
        f"/api/events/{event.pk}", changes, content_type="application/json", **bearer(user)
    )


def test_queued_mail_holds_ids_and_is_written_when_sent(
    client, make_user, queue, mailoutbox, django_capture_on_commit_callbacks
):
    organiser = make_user(Role.DIETITIAN, time_zone="America/Toronto")
    event = make_event(organiser, capacity=1)
    going, waiting = make_user(Role.CUSTOMER), make_user(Role.CUSTOMER)
    events.rsvp(going, event.pk)
    events.rsvp(waiting, event.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert patch(client, organiser, event, title="QUEUEDTITLE private venue").status_code == 200
    assert sorted(queue) == sorted(
        [(going.pk, "event.changed", {"event": event.pk}),
         (waiting.pk, "event.changed", {"event": event.pk})]
    )  # fmt: skip
    assert "QUEUEDTITLE" not in json.dumps(queue)  # ids only, as the broker stores them

    # Renamed again before the worker runs: the mail names the event as it is when sent.
    patch(client, organiser, event, title="Market walk, new meeting point")
    for args in queue:
        assert tasks.email_notice(*args) is True
    assert sorted(m.subject for m in mailoutbox) == ["Changed: Market walk, new meeting point"] * 2
    assert all("QUEUEDTITLE" not in m.subject + m.body for m in mailoutbox)
    assert "St. Lawrence Market" in mailoutbox[0].body

    # The place is given up (which promotes the next in line); the event is cancelled
    # before those mails go out: a promotion to a cancelled event is not mailed, the
    # cancellation is, with the reason as it is stored.
    queue.clear()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        events.cancel_rsvp(going, event.pk)
        events.cancel_event(organiser, event.pk, reason="Storm warning")
    assert [kind for _, kind, _ in queue] == ["event.promoted", "event.cancelled"]
    assert "Storm" not in json.dumps(queue)
    sent = [tasks.email_notice(*args) for args in queue]
    assert sent == [False, True]
    assert [(m.to, m.subject, m.body) for m in mailoutbox] == [
        ([waiting.email], "Cancelled: Market walk, new meeting point", "Storm warning")
    ]


def test_a_mail_is_not_sent_when_there_is_nothing_to_say_any_more(
    make_user, queue, mailoutbox, django_capture_on_commit_callbacks
):
    organiser = make_user(Role.DIETITIAN)
    event = make_event(organiser)
    member = make_user(Role.CUSTOMER)
    events.rsvp(member, event.pk)
    about = {"event": event.pk, "reminder": "hour"}
    assert tasks.email_notice(member.pk, "event.reminder", about) is True
    events.cancel_rsvp(member, event.pk)  # a reminder for a place given up: nothing
    assert tasks.email_notice(member.pk, "event.reminder", about) is False
    events.rsvp(member, event.pk)
    set_preference(member, "event.reminder", in_app=True, email=False)  # since it was queued
    assert tasks.email_notice(member.pk, "event.reminder", about) is False
    # An older task that carried words is dropped, not sent.
    assert tasks.email_notice(member.pk, "Changed: Market walk", "at noon") is False
    assert len(mailoutbox) == 1

    with pytest.raises(ValueError, match="ids, not words"):
        email_if_wanted([member.pk], "event.changed", {"event": event.pk, "note": "a b"})
    with pytest.raises(ValueError, match="not mailed"):
        email_if_wanted([member.pk], "event.message", {"event": event.pk})


def test_a_renamed_event_leaves_no_old_title_in_notices(client, make_user):
    organiser = make_user(Role.DIETITIAN, time_zone="America/Toronto")
    event = make_event(organiser, capacity=1, title="Diabetes circle at Anna's")
    going, waiting = make_user(Role.CUSTOMER), make_user(Role.CUSTOMER)
    events.rsvp(going, event.pk)
    events.rsvp(waiting, event.pk)
    sent = client.post(
        f"/api/events/{event.pk}/message",
        {"body": "Bring your meter"},
        content_type="application/json",
        **bearer(organiser),
    )
    assert api_json(sent) == {"sent": 1}
    patch(client, organiser, event, capacity=2)  # promotes, and tells of the change
    reminders.send_reminders(event.starts_at - timedelta(hours=1))

    assert patch(client, organiser, event, title="Cooking circle").status_code == 200

    listed = api_json(client.get("/api/notifications", **bearer(going)))["items"]
    assert sorted(n["title"] for n in listed) == [
        "Changed: Cooking circle",  # the change of capacity
        "Changed: Cooking circle",  # the rename itself
        "Cooking circle starts in an hour",
        "From the organiser of Cooking circle",
    ]
    message = next(n for n in listed if n["kind"] == "event.message")
    assert message["body"] == "Bring your meter"
    promoted = api_json(client.get("/api/notifications", **bearer(waiting)))["items"]
    assert "A place is yours: Cooking circle" in [n["title"] for n in promoted]
    assert not Notification.objects.filter(title__contains="Anna").exists()
    topics = [f"user:{going.pk}", f"user:{waiting.pk}"]
    stored = [json.dumps(e.data) for e in LogEntry.objects.filter(topic_id__in=topics)]
    assert stored and not [e for e in stored if "Anna" in e]
    assert any("Bring your meter" in e for e in stored)
