"""Classes: a series of sessions on a schedule, enrolment in the series, attendance per
session. General wellness education is for everyone; other classes for one region."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from accounts.audit import record_access
from accounts.bounds import LATEST
from accounts.models import User
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from events.models import Attendance, ClassSeries, Enrollment, Event
from events.permissions import check_can_see_series, filter_visible_series
from events.services import can_organise, check_can_manage, get_event, zone
from realtime.publish import recheck_followers

MAX_SESSIONS = 52


def _invalid(message: str) -> ServiceError:
    return ServiceError(message, code="invalid_field")


def create_series(
    organiser: User,
    *,
    title: str,
    description: str = "",
    wellness_education: bool = False,
    region: str = "",
    capacity: int | None = None,
    kind: str = Event.Kind.VIRTUAL,
    venue: str = "",
    address: str = "",
    time_zone: str | None = None,
    first_start: datetime,
    duration_minutes: int,
    every_days: int = 7,
    sessions: int,
) -> ClassSeries:
    """The series and its sessions, each at the same local time as the first (a weekly
    class at 18:00 stays at 18:00 across a daylight-saving change)."""
    if not can_organise(organiser):
        raise Forbidden("dietitians, providers and staff run classes")
    title = title.strip()
    if not title:
        raise _invalid("a class needs a title")
    if wellness_education == bool(region):
        raise _invalid("wellness education is for everyone; any other class names its region")
    if not 1 <= sessions <= MAX_SESSIONS or not 1 <= every_days <= 366:
        raise _invalid(f"1 to {MAX_SESSIONS} sessions, 1 to 366 days apart")
    if not 5 <= duration_minutes <= 24 * 60:
        raise _invalid("a session lasts 5 minutes to a day")
    if kind not in Event.Kind.values:
        raise _invalid("kind is in_person or virtual")
    if first_start.tzinfo is None:
        raise _invalid("times need a UTC offset")
    local_zone = zone(time_zone or organiser.time_zone)
    local_first = first_start.astimezone(local_zone)
    with transaction.atomic():
        series = ClassSeries.objects.create(
            title=title[:200],
            description=description.strip(),
            organiser=organiser,
            wellness_education=wellness_education,
            region=region,
            capacity=capacity,
        )
        made = []
        for n in range(sessions):
            day = local_first.date() + timedelta(days=n * every_days)
            start = datetime.combine(day, local_first.time(), local_zone).astimezone(
                ZoneInfo("UTC")
            )
            ends = start + timedelta(minutes=duration_minutes)
            if ends >= LATEST:  # the first start is bounded; the series must end in time too
                raise _invalid(f"every session ends before {LATEST.date()} (UTC)")
            made.append(
                Event(
                    title=f"{series.title} ({n + 1}/{sessions})",
                    description=series.description,
                    kind=kind,
                    organiser=organiser,
                    category="class",
                    venue=venue,
                    address=address,
                    region=region,
                    time_zone=local_zone.key,
                    starts_at=start,
                    ends_at=ends,
                    series=series,
                )
            )
        Event.objects.bulk_create(made)
    return series


def get_series(series_id: int) -> ClassSeries:
    series = ClassSeries.objects.select_related("organiser").filter(pk=series_id).first()
    if series is None:
        raise NotFound("no such class")
    return series


def visible_series(user: User) -> QuerySet[ClassSeries]:
    """The classes ``user`` may see (events.permissions)."""
    return filter_visible_series(user, ClassSeries.objects.all())


def visible_class(user: User, series_id: int) -> ClassSeries:
    series = get_series(series_id)
    check_can_see_series(user, series)
    return series


def enroll(user: User, series_id: int) -> Enrollment:
    series = visible_class(user, series_id)
    with transaction.atomic():
        ClassSeries.objects.select_for_update().filter(pk=series.pk).first()  # places in turn
        mine = Enrollment.objects.filter(series=series, user=user).first()
        if mine is not None:
            return mine
        if series.capacity is not None and series.enrollments.count() >= series.capacity:
            raise Conflict("this class is full", code="full")
        try:
            with transaction.atomic():
                return Enrollment.objects.create(series=series, user=user)
        except IntegrityError:
            return Enrollment.objects.get(series=series, user=user)


def unenroll(user: User, series_id: int) -> None:
    with transaction.atomic():
        deleted, _ = Enrollment.objects.filter(series_id=series_id, user=user).delete()
        if not deleted:
            raise NotFound("you are not enrolled in this class")
        for session in Event.objects.filter(series_id=series_id).only("pk"):
            recheck_followers(session.topic)  # without a place, out of its live rooms


def shape(user: User, series: ClassSeries) -> dict[str, Any]:
    sessions = list(series.sessions.order_by("starts_at"))
    return {
        "id": series.pk,
        "title": series.title,
        "description": series.description,
        "organiser": series.organiser.public_name(),
        "wellness_education": series.wellness_education,
        "region": series.region,
        "kind": sessions[0].kind if sessions else Event.Kind.VIRTUAL,
        "capacity": series.capacity,
        "enrolled": series.enrollments.count(),
        "me_enrolled": series.enrollments.filter(user=user).exists(),
        "sessions": [
            {
                "event": s.pk,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "cancelled": s.cancelled_at is not None,
            }
            for s in sessions
        ],
    }


def attendance_report(user: User, event_id: int) -> list[dict[str, Any]]:
    """Who came to a session and for how long (the organiser)."""
    event = get_event(event_id)
    check_can_manage(user, event)
    report: dict[int, dict[str, Any]] = {}
    stays = Attendance.objects.filter(event=event).select_related("user").order_by("joined_at")
    for stay in stays:
        row = report.setdefault(
            stay.user_id,
            {"user": stay.user_id, "name": stay.user.public_name(), "first_joined": stay.joined_at,
             "minutes": 0.0, "present": False},
        )  # fmt: skip
        if stay.left_at is None:
            row["present"] = True
        else:
            row["minutes"] += round((stay.left_at - stay.joined_at).total_seconds() / 60, 1)
    record_access(user, list(report), "view_attendance", f"event:{event.pk}", "http")
    return list(report.values())
