"""Classes: sessions on a schedule at the same local time, enrolment for everyone or one
region, a place in every session, reminders to the enrolled, attendance per session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from events import classes, reminders
from events import services as events
from events.models import Attendance, Event
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def test_weekly_sessions_keep_their_local_time_across_a_dst_change(client, dietitian):
    made = client.post(
        "/api/classes",
        {
            "title": "Cooking for one",
            "region": "ca-on",
            # 18:00 in Toronto on 2027-03-07 (EST), then weekly across the 14 March change.
            "first_start": "2027-03-07T23:00:00Z",
            "duration_minutes": 60,
            "sessions": 3,
        },
        content_type="application/json",
        **bearer(dietitian),
    )
    assert made.status_code == 201
    starts = [datetime.fromisoformat(s["starts_at"]) for s in api_json(made)["sessions"]]
    assert starts == [
        datetime(2027, 3, 7, 23, 0, tzinfo=UTC),
        datetime(2027, 3, 14, 22, 0, tzinfo=UTC),  # 18:00 EDT
        datetime(2027, 3, 21, 22, 0, tzinfo=UTC),
    ]


def test_wellness_education_is_for_everyone_and_other_classes_for_their_region(
    client, make_user, dietitian
):
    start = timezone.now() + timedelta(days=2)
    wellness = classes.create_series(
        dietitian, title="Reading labels", wellness_education=True, first_start=start,
        duration_minutes=45, sessions=2,
    )  # fmt: skip
    local = classes.create_series(
        dietitian, title="Ontario market tours", region="ca-on", first_start=start,
        duration_minutes=90, sessions=1, capacity=1,
    )  # fmt: skip
    bc = make_user(Role.CUSTOMER, region="ca-bc")
    on = make_user(Role.CUSTOMER, region="ca-on")

    listed = {c["title"] for c in api_json(client.get("/api/classes", **bearer(bc)))}
    assert listed == {"Reading labels"}
    assert client.put(f"/api/classes/{local.pk}/enrollment", **bearer(bc)).status_code == 404
    assert client.put(f"/api/classes/{wellness.pk}/enrollment", **bearer(bc)).status_code == 204
    assert client.put(f"/api/classes/{local.pk}/enrollment", **bearer(on)).status_code == 204
    full = client.put(
        f"/api/classes/{local.pk}/enrollment", **bearer(make_user(Role.CUSTOMER, region="ca-on"))
    )
    assert full.status_code == 409

    # Enrolment is a place in every session; others have none.
    for session in wellness.sessions.all():
        assert events.has_a_place(bc, session) and not events.has_a_place(on, session)


def test_the_enrolled_get_reminders_and_the_organiser_sees_attendance(client, make_user, dietitian):
    start = datetime(2030, 6, 1, 16, 0, tzinfo=UTC)
    series = classes.create_series(
        dietitian, title="Meal planning", wellness_education=True, first_start=start,
        duration_minutes=60, sessions=1,
    )  # fmt: skip
    member = make_user(Role.CUSTOMER)
    classes.enroll(member, series.pk)
    session = Event.objects.get(series=series)
    assert reminders.send_reminders(start - timedelta(hours=1)) == 1

    Attendance.objects.create(
        event=session, user=member, joined_at=start, left_at=start + timedelta(minutes=20)
    )
    Attendance.objects.create(event=session, user=member, joined_at=start + timedelta(minutes=25))
    report = api_json(client.get(f"/api/events/{session.pk}/attendance", **bearer(dietitian)))
    assert [(r["user"], r["minutes"], r["present"]) for r in report] == [(member.pk, 20.0, True)]
    assert client.get(f"/api/events/{session.pk}/attendance", **bearer(member)).status_code == 403
