"""What notices about an event say, made from the event as it is.

A notice names its event (``source`` "event:{id}"). Its title is made here from the kind
and the event; when an event is renamed, every notice naming it is made again
(``retitle``: the rows and their stored ``notification.created`` events), so no notice
keeps an old title. Mail is queued with ids only and composed here when it is sent
(``compose_mail``), from the event as it is then: a renamed event is mailed by its new
name, a cancelled one gets no reminder, a place given up meanwhile gets no mail.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from accounts.models import User
from events.models import Enrollment, Event, Rsvp
from events.permissions import can_see_event
from notifications import services as notifications
from notifications.kinds import Kind, register

KINDS = ("event.promoted", "event.changed", "event.cancelled", "event.reminder", "event.message")


def page(event: Event) -> str:
    """Where a notice about the event takes the member: the event's page."""
    return f"/events/{event.pk}"


def source(event: Event) -> str:
    return f"event:{event.pk}"


def title(kind: str, event: Event, about: dict[str, Any] | None = None) -> str:
    """The notice's title (and a mail's subject) for ``kind`` about ``event`` now."""
    about = about or {}
    if kind == "event.promoted":
        return f"A place is yours: {event.title}"
    if kind == "event.changed":
        return f"Changed: {event.title}"
    if kind == "event.cancelled":
        return f"Cancelled: {event.title}"
    if kind == "event.reminder":
        when = "tomorrow" if about.get("reminder") == "day" else "in an hour"
        return f"{event.title} starts {when}"
    if kind == "event.message":
        return f"From the organiser of {event.title}"
    raise ValueError(f"not a notice about an event: {kind!r}")


def retitle(event: Event) -> int:
    """Make the title of every notice naming ``event`` again from the event now, in its
    row and in its stored event on ``user:{id}`` (call in the transaction of the rename).
    Returns how many notices there were."""
    return notifications.retitle(
        source(event), lambda kind, data: title(kind, event, data) if kind in KINDS else None
    )


def compose_mail(user: User, kind: str, about: dict[str, Any]) -> tuple[str, str] | None:
    """(subject, body) of the mail about ``about["event"]`` for ``user``, made now; None
    when there is nothing to say any more (the event is gone or no longer for them, a
    reminder or a place for an event cancelled or started, a place given up)."""
    event_id = about.get("event")
    event = Event.objects.filter(pk=event_id).first() if isinstance(event_id, int) else None
    if event is None or not can_see_event(user, event):
        return None
    cancelled = event.cancelled_at is not None
    subject = title(kind, event, about)
    if kind == "event.cancelled":
        return (subject, event.cancel_reason or subject) if cancelled else None
    if cancelled or not _signed_up(user, event):
        return None
    if kind in ("event.promoted", "event.reminder"):
        going = Rsvp.objects.filter(event=event, user=user, status=Rsvp.Status.GOING).exists()
        if event.starts_at <= timezone.now() or not (going or _enrolled(user, event)):
            return None
    return subject, f"{subject}\n\n{_details(user, event)}"


def _enrolled(user: User, event: Event) -> bool:
    return (
        event.series_id is not None
        and Enrollment.objects.filter(series_id=event.series_id, user=user).exists()
    )


def _signed_up(user: User, event: Event) -> bool:
    """Going or waiting (or enrolled in the class the event is a session of)."""
    return _enrolled(user, event) or (
        Rsvp.objects.filter(event=event, user=user).exclude(status=Rsvp.Status.CANCELLED).exists()
    )


def _details(user: User, event: Event) -> str:
    """When and where, in the member's own time zone."""
    try:
        own = ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        own = ZoneInfo("UTC")
    start = event.starts_at.astimezone(own)
    where = ", ".join(p for p in (event.venue, event.address) if p) or "Online"
    return f"{event.title}\n{start:%A %d %B %Y, %H:%M} ({own.key})\n{where}"


register(
    Kind("event.reminder", "A reminder of an event you are going to", compose=compose_mail),
    Kind("event.changed", "An event you signed up for changed", compose=compose_mail),
    Kind("event.cancelled", "An event you signed up for was cancelled", compose=compose_mail),
    Kind("event.promoted", "A place freed up for you at an event", compose=compose_mail),
    Kind("event.message", "A message from an event's organiser", email=False, mailed=False),
)
