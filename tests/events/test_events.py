"""Events: places and the waitlist, reminders at the right local time, changes told to
everyone signed up, listings near a member, the calendar file."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.roles import Role
from events import reminders
from events import services as events
from events.models import Event, ReminderSent, Rsvp
from notifications.models import Notification
from tests.events.helpers import make_event
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def statuses(event: Event) -> dict[int, str]:
    return dict(Rsvp.objects.filter(event=event).values_list("user_id", "status"))


def test_a_full_event_waitlists_and_a_cancellation_promotes_the_next_in_line(
    client, make_user, dietitian
):
    event = make_event(dietitian, capacity=1)
    first, second, third = (make_user(Role.CUSTOMER) for _ in range(3))
    answers = [
        api_json(client.put(f"/api/events/{event.pk}/rsvp", **bearer(u)))["status"]
        for u in (first, second, third)
    ]
    assert answers == ["going", "waitlisted", "waitlisted"]

    assert client.delete(f"/api/events/{event.pk}/rsvp", **bearer(first)).status_code == 200

    assert statuses(event) == {first.pk: "cancelled", second.pk: "going", third.pk: "waitlisted"}
    told = Notification.objects.get(kind="event.promoted")
    assert told.user == second and told.data == {"event": event.pk}
    # Coming back means the back of the line.
    assert api_json(client.put(f"/api/events/{event.pk}/rsvp", **bearer(first)))["status"] == (
        "waitlisted"
    )


@pytest.mark.django_db(transaction=True)
def test_two_cancelling_at_once_promote_two_different_people_once_each(make_user, dietitian):
    event = make_event(dietitian, capacity=2)
    people = [make_user(Role.CUSTOMER) for _ in range(5)]
    for person in people:
        events.rsvp(person, event.pk)
    going, waiting = people[:2], people[2:]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def cancel(user) -> None:
        try:
            barrier.wait()
            events.cancel_rsvp(user, event.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(u,)) for u in going]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    now = statuses(event)
    assert [now[p.pk] for p in waiting] == ["going", "going", "waitlisted"]
    promoted = list(
        Notification.objects.filter(kind="event.promoted").values_list("user_id", flat=True)
    )
    assert sorted(promoted) == sorted(p.pk for p in waiting[:2])


def test_reminders_go_out_once_at_the_local_time_across_a_dst_change(
    make_user, dietitian, mailoutbox, django_capture_on_commit_callbacks
):
    # Toronto moves its clocks forward on 2027-03-14 at 02:00. An event at 10:00 local
    # on the 14th (14:00 UTC) is reminded at 10:00 local on the 13th (15:00 UTC): 23 hours.
    start = datetime(2027, 3, 14, 14, 0, tzinfo=UTC)
    event = Event.objects.create(
        title="Spring cooking",
        kind="virtual",
        organiser=dietitian,
        time_zone="America/Toronto",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    member = make_user(Role.CUSTOMER)
    Rsvp.objects.create(event=event, user=member, status=Rsvp.Status.GOING)

    day_due = datetime(2027, 3, 13, 15, 0, tzinfo=UTC)
    assert reminders.reminder_due(event, "day") == day_due
    assert reminders.send_reminders(day_due - timedelta(minutes=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):  # the email goes after the commit
        assert reminders.send_reminders(day_due) == 1
    assert [m.subject for m in mailoutbox] == ["Spring cooking starts tomorrow"]
    assert mailoutbox[0].to == [member.email]
    assert reminders.send_reminders(day_due + timedelta(minutes=5)) == 0  # once
    assert reminders.send_reminders(start - timedelta(hours=1, minutes=1)) == 0
    assert reminders.send_reminders(start - timedelta(hours=1)) == 1
    assert reminders.send_reminders(start - timedelta(minutes=30)) == 0
    sent = list(ReminderSent.objects.order_by("kind").values_list("kind", "user_id"))
    assert sent == [("day", member.pk), ("hour", member.pk)]
    titles = list(Notification.objects.order_by("id").values_list("title", flat=True))
    assert titles == ["Spring cooking starts tomorrow", "Spring cooking starts in an hour"]


def test_changes_and_cancellation_are_told_to_everyone_signed_up(client, make_user, dietitian):
    event = make_event(dietitian, capacity=1)
    going, waiting, gone = (make_user(Role.CUSTOMER) for _ in range(3))
    for user in (going, waiting, gone):
        events.rsvp(user, event.pk)
    events.cancel_rsvp(gone, event.pk)  # promotes waiting
    Notification.objects.all().delete()

    later = (event.starts_at + timedelta(hours=1)).isoformat()
    changed = client.patch(
        f"/api/events/{event.pk}",
        {"starts_at": later, "ends_at": (event.ends_at + timedelta(hours=1)).isoformat()},
        content_type="application/json",
        **bearer(dietitian),
    )
    assert changed.status_code == 200
    cancelled = client.post(
        f"/api/events/{event.pk}/cancel",
        {"reason": "storm warning"},
        content_type="application/json",
        **bearer(dietitian),
    )
    assert api_json(cancelled)["cancelled"] is True
    kinds = sorted(Notification.objects.values_list("user_id", "kind"))
    assert kinds == sorted(
        [(going.pk, "event.changed"), (waiting.pk, "event.changed"),
         (going.pk, "event.cancelled"), (waiting.pk, "event.cancelled")]
    )  # fmt: skip
    assert client.put(f"/api/events/{event.pk}/rsvp", **bearer(gone)).status_code == 409


def test_listings_show_nearby_and_virtual_events_in_my_own_time(client, make_user, dietitian):
    near = make_event(dietitian, title="Toronto walk")
    make_event(dietitian, title="Vancouver walk", region="ca-bc", venue="Granville Island")
    online = make_event(
        dietitian, title="Label reading", kind="virtual", venue="", region="", category="skills"
    )
    member = make_user(Role.CUSTOMER, region="ca-on", time_zone="Europe/Paris")

    listed = api_json(client.get("/api/events", **bearer(member)))
    assert [e["id"] for e in listed] == [near.pk, online.pk]
    paris = datetime.fromisoformat(listed[0]["starts_local"])
    assert paris.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    assert paris == near.starts_at
    skills = api_json(client.get("/api/events", {"category": "skills"}, **bearer(member)))
    assert [e["id"] for e in skills] == [online.pk]
    far_day = (timezone.now() + timedelta(days=30)).date().isoformat()
    assert api_json(client.get("/api/events", {"start": far_day}, **bearer(member))) == []


def test_organisers_see_attendees_and_message_them_and_members_cannot_organise(
    client, make_user, dietitian
):
    event = make_event(dietitian)
    member = make_user(Role.CUSTOMER)
    events.rsvp(member, event.pk)
    assert client.get(f"/api/events/{event.pk}/attendees", **bearer(member)).status_code == 403
    people = api_json(client.get(f"/api/events/{event.pk}/attendees", **bearer(dietitian)))
    assert [(p["user"], p["status"]) for p in people] == [(member.pk, "going")]
    sent = client.post(
        f"/api/events/{event.pk}/message",
        {"body": "Bring a bag!"},
        content_type="application/json",
        **bearer(dietitian),
    )
    assert api_json(sent) == {"sent": 1}
    assert Notification.objects.get(user=member, kind="event.message").body == "Bring a bag!"

    refused = client.post(
        "/api/events",
        {"title": "Mine", "kind": "virtual", "starts_at": "2030-01-01T10:00:00Z",
         "ends_at": "2030-01-01T11:00:00Z"},
        content_type="application/json",
        **bearer(member),
    )  # fmt: skip
    assert refused.status_code == 403
    naive = client.post(
        "/api/events",
        {"title": "Mine", "kind": "virtual", "starts_at": "2030-01-01T10:00:00",
         "ends_at": "2030-01-01T11:00:00"},
        content_type="application/json",
        **bearer(dietitian),
    )  # fmt: skip
    assert naive.status_code == 422


def test_the_calendar_file_has_the_event_in_its_own_zone(client, make_user, dietitian):
    event = make_event(dietitian, description="Meet at the north door")
    response = client.get(f"/api/events/{event.pk}/event.ics", **bearer(make_user(Role.CUSTOMER)))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert "SUMMARY:Market walk" in text and "TZID=America/Toronto" in text
    assert "LOCATION:St. Lawrence Market" in text


def test_bad_changes_and_places_one_may_not_take_are_refused(client, make_user, dietitian):
    event = make_event(dietitian)
    nulls = client.patch(
        f"/api/events/{event.pk}",
        {"starts_at": None, "title": None},
        content_type="application/json",
        **bearer(dietitian),
    )
    assert nulls.status_code == 400
    assert Event.objects.get(pk=event.pk).title == "Market walk"

    from events import classes

    series = classes.create_series(
        dietitian, title="Labels", wellness_education=True,
        first_start=timezone.now() + timedelta(days=1), duration_minutes=30, sessions=1,
    )  # fmt: skip
    session = Event.objects.get(series=series)
    member = make_user(Role.CUSTOMER, region="ca-bc")
    enrol_instead = client.put(f"/api/events/{session.pk}/rsvp", **bearer(member))
    assert enrol_instead.status_code == 409
    regional = make_event(dietitian, kind="virtual", venue="", region="ca-on", title="ON only")
    assert client.put(f"/api/events/{regional.pk}/rsvp", **bearer(member)).status_code == 404
