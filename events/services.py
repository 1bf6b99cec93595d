"""Events: who organises and manages them, making and changing them, RSVPs with a
waitlist that promotes on its own (those promoted, and everyone signed up when an event
changes or is cancelled, are told), and the organiser's view of and message to those
going. The listings and the ``.ics`` file are ``events.listings``, reminders
``events.reminders``, and what a notice says ``events.notices``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.audit import record_access
from accounts.bounds import is_time_zone
from accounts.models import User
from accounts.roles import CARE_ROLES, STAFF_ROLES, Role
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from events import notices
from events.models import Enrollment, Event, ReminderSent, Rsvp
from events.permissions import check_can_see_event
from notifications.services import email_if_wanted, notify_many
from realtime.publish import recheck_followers

EDITABLE = ("title", "description", "venue", "address", "starts_at", "ends_at", "capacity")


def _invalid(message: str) -> ServiceError:
    return ServiceError(message, code="invalid_field")


def zone(name: str) -> ZoneInfo:
    if not is_time_zone(name):
        raise _invalid(f"unknown time zone {name!r}; use an IANA zone such as 'America/Toronto'")
    return ZoneInfo(name)


# --- who -----------------------------------------------------------------------------


def can_organise(user: User) -> bool:
    return user.role in STAFF_ROLES or user.role in CARE_ROLES


def can_manage(user: User, event: Event) -> bool:
    """The organiser while they may still organise (a dietitian demoted to customer no
    longer manages, or reads the people of, the events they made), and admins."""
    return (event.organiser_id == user.pk and can_organise(user)) or user.role == Role.ADMIN


def check_can_manage(user: User, event: Event) -> None:
    if not can_manage(user, event):
        raise Forbidden("only the organiser manages this event")


def people_with_a_place(event: Event) -> set[int]:
    """Those going: an RSVP, or enrolment in the class the event is a session of."""
    going = set(
        Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING).values_list("user_id", flat=True)
    )
    if event.series_id is not None:
        going |= set(
            Enrollment.objects.filter(series_id=event.series_id).values_list("user_id", flat=True)
        )
    return going


def has_a_place(user: User, event: Event) -> bool:
    if event.organiser_id == user.pk:
        return True
    if Rsvp.objects.filter(event=event, user=user, status=Rsvp.Status.GOING).exists():
        return True
    return event.series_id is not None and (
        Enrollment.objects.filter(series_id=event.series_id, user=user).exists()
    )


def get_event(event_id: int) -> Event:
    event = Event.objects.select_related("organiser").filter(pk=event_id).first()
    if event is None:
        raise NotFound("no such event")
    return event


def visible_event(user: User, event_id: int) -> Event:
    """The event, for someone it is meant for (events.permissions); else not found."""
    event = get_event(event_id)
    check_can_see_event(user, event)
    return event


# --- making and changing --------------------------------------------------------------


def create_event(organiser: User, **fields: Any) -> Event:
    if not can_organise(organiser):
        raise Forbidden("dietitians, providers and staff organise events")
    if fields.get("kind") not in Event.Kind.values:
        raise _invalid("kind is in_person or virtual")
    fields.setdefault("time_zone", organiser.time_zone)
    zone(fields["time_zone"])
    _check_times(fields["starts_at"], fields["ends_at"])
    if fields["kind"] == Event.Kind.IN_PERSON and not (
        fields.get("venue") and fields.get("region")
    ):
        raise _invalid("an in-person event needs a venue and a region")
    title = str(fields.get("title", "")).strip()
    if not title:
        raise _invalid("an event needs a title")
    fields["title"] = title[:200]
    return Event.objects.create(organiser=organiser, **fields)


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise _invalid("times need a UTC offset")
    if ends_at <= starts_at:
        raise _invalid("an event ends after it starts")


def update_event(user: User, event_id: int, **changes: Any) -> Event:
    """Change an event; everyone who signed up (going or waiting) is told. A larger
    capacity promotes from the waitlist."""
    event = get_event(event_id)
    check_can_manage(user, event)
    if event.cancelled_at is not None:
        raise Conflict("this event was cancelled", code="cancelled")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise _invalid(f"cannot change {', '.join(sorted(unknown))}")
    blank = sorted(k for k, v in changes.items() if v is None and k != "capacity")
    if blank:
        raise _invalid(f"{', '.join(blank)} cannot be empty")
    if "title" in changes and not str(changes["title"]).strip():
        raise _invalid("an event needs a title")
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        for field, value in changes.items():
            setattr(locked, field, value)
        _check_times(locked.starts_at, locked.ends_at)
        locked.save(update_fields=list(changes) or None)
        if "title" in changes:
            notices.retitle(locked)  # no notice keeps the old title
        if {"starts_at", "ends_at"} & set(changes):
            # New times, new reminders.
            ReminderSent.objects.filter(event=locked).delete()
        promoted = _fill_places(locked)
        if changes:
            _tell_signed_up(locked, "event.changed", exclude=set(promoted))
    return locked


def cancel_event(user: User, event_id: int, reason: str = "") -> Event:
    event = get_event(event_id)
    check_can_manage(user, event)
    if event.cancelled_at is not None:
        return event
    with transaction.atomic():
        event.cancelled_at, event.cancel_reason = timezone.now(), reason.strip()[:500]
        event.save(update_fields=["cancelled_at", "cancel_reason"])
        recheck_followers(event.topic)
        _tell_signed_up(event, "event.cancelled", body=event.cancel_reason)
    return event


# --- places and the waitlist -------------------------------------------------------------


def rsvp(user: User, event_id: int) -> Rsvp:
    """A place if there is one, else a place on the waitlist. Again after cancelling:
    at the back of the line."""
    event = visible_event(user, event_id)
    if event.series_id is not None:
        raise Conflict("this is a class session: enrol in the class", code="enrol_instead")
    if event.cancelled_at is not None:
        raise Conflict("this event was cancelled", code="cancelled")
    if event.starts_at <= timezone.now():
        raise Conflict("this event has started", code="started")
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)  # places in turn
        mine = Rsvp.objects.filter(event=locked, user=user).first()
        if mine is not None and mine.status != Rsvp.Status.CANCELLED:
            return mine
        status = Rsvp.Status.GOING if _has_room(locked) else Rsvp.Status.WAITLISTED
        now = timezone.now()
        if mine is None:
            mine = Rsvp.objects.create(
                event=locked, user=user, status=status, joined_at=now, updated_at=now
            )
        else:
            mine.status, mine.joined_at, mine.updated_at = status, now, now
            mine.save(update_fields=["status", "joined_at", "updated_at"])
    return mine


def cancel_rsvp(user: User, event_id: int) -> Rsvp:
    """Give up a place (or a spot on the waitlist); a freed place goes to the next in
    line, who is told. The event row is locked, so two cancelling at once promote two
    different people, one each."""
    event = get_event(event_id)
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        mine = Rsvp.objects.filter(event=locked, user=user).first()
        if mine is None or mine.status == Rsvp.Status.CANCELLED:
            raise NotFound("you have not signed up for this event")
        mine.status, mine.updated_at = Rsvp.Status.CANCELLED, timezone.now()
        mine.save(update_fields=["status", "updated_at"])
        if locked.cancelled_at is None:
            _fill_places(locked)
        recheck_followers(locked.topic)  # without a place, out of the live room
    return mine


def drop_rsvps(user: User) -> None:
    """Every RSVP of ``user`` goes (their account is erased): a place they held at an
    event still to come goes to the next in line, who is told, as after ``cancel_rsvp``."""
    places = Rsvp.objects.filter(
        user=user,
        status=Rsvp.Status.GOING,
        event__cancelled_at__isnull=True,
        event__ends_at__gt=timezone.now(),
    ).values_list("event_id", flat=True)
    with transaction.atomic():
        for event_id in sorted(places):
            locked = Event.objects.select_for_update().get(pk=event_id)
            Rsvp.objects.filter(event=locked, user=user).delete()
            _fill_places(locked)
        Rsvp.objects.filter(user=user).delete()


def _has_room(event: Event) -> bool:
    if event.capacity is None:
        return True
    going = Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING).count()
    return going < event.capacity


def _fill_places(event: Event) -> list[int]:
    """Promote from the waitlist while there is room (the caller holds the event lock);
    the promoted are told. Returns their user ids."""
    promoted = []
    while _has_room(event):
        nxt = (
            Rsvp.objects.filter(event=event, status=Rsvp.Status.WAITLISTED)
            .order_by("joined_at", "id")
            .first()
        )
        if nxt is None:
            break
        nxt.status, nxt.updated_at = Rsvp.Status.GOING, timezone.now()
        nxt.save(update_fields=["status", "updated_at"])
        promoted.append(nxt.user_id)
    if promoted:
        title = notices.title("event.promoted", event)
        notify_many(
            promoted, "event.promoted", title, url=notices.page(event),
            data={"event": event.pk}, source=notices.source(event),
        )  # fmt: skip
        email_if_wanted(promoted, "event.promoted", {"event": event.pk})
    return promoted


def _tell_signed_up(
    event: Event, kind: str, body: str = "", exclude: set[int] | None = None
) -> None:
    people = set(
        Rsvp.objects.filter(event=event)
        .exclude(status=Rsvp.Status.CANCELLED)
        .values_list("user_id", flat=True)
    ) | people_with_a_place(event)
    people -= exclude or set()
    if people:
        title = notices.title(kind, event)
        notify_many(
            sorted(people), kind, title, body=body, url=notices.page(event),
            data={"event": event.pk}, source=notices.source(event),
        )  # fmt: skip
        email_if_wanted(sorted(people), kind, {"event": event.pk})


# --- organisers ----------------------------------------------------------------------


def attendees(user: User, event_id: int) -> list[dict[str, Any]]:
    event = get_event(event_id)
    check_can_manage(user, event)
    rows = list(
        Rsvp.objects.filter(event=event)
        .exclude(status=Rsvp.Status.CANCELLED)
        .select_related("user")
        .order_by("status", "joined_at", "id")
    )
    record_access(user, [r.user_id for r in rows], "view_attendees", f"event:{event.pk}", "http")
    return [
        {"user": r.user_id, "name": r.user.public_name(), "status": r.status, "since": r.joined_at}
        for r in rows
    ]


def message_attendees(user: User, event_id: int, body: str) -> int:
    """The organiser's message to everyone going, as a notification."""
    event = get_event(event_id)
    check_can_manage(user, event)
    body = body.strip()
    if not body:
        raise _invalid("a message cannot be empty")
    going = list(
        Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING).values_list("user_id", flat=True)
    )
    notes = notify_many(
        sorted(going), "event.message", notices.title("event.message", event), body=body[:500],
        url=notices.page(event), data={"event": event.pk}, source=notices.source(event),
    )  # fmt: skip
    return len(notes)
