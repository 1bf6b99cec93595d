"""How events read to a member: the upcoming events near them, an event in the shape the
API gives it (its times also in the member's own zone), and an event as an ``.ics``
calendar file in its own zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from events.models import Event, Rsvp
from events.permissions import filter_visible_events
from events.services import zone


def upcoming(
    user: User,
    *,
    kind: str | None = None,
    category: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[Event]:
    """Events not yet over: in person near the member (their region), and virtual ones
    for everyone or for their region; between two dates of the member's own calendar."""
    own = zone(user.time_zone) if user.time_zone else ZoneInfo("UTC")
    events = Event.objects.filter(cancelled_at__isnull=True, ends_at__gt=timezone.now())
    near = Q(kind=Event.Kind.IN_PERSON, region=user.region) if user.region else Q(pk__in=[])
    virtual = Q(kind=Event.Kind.VIRTUAL) & (Q(region="") | Q(region=user.region))
    events = filter_visible_events(user, events.filter(near | virtual))
    if kind:
        events = events.filter(kind=kind)
    if category:
        events = events.filter(category=category)
    if start:
        events = events.filter(starts_at__gte=datetime.combine(start, time.min, own))
    if end:
        events = events.filter(
            starts_at__lt=datetime.combine(end + timedelta(days=1), time.min, own)
        )
    return (
        events.select_related("organiser")
        .annotate(going=Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.GOING)))
        .order_by("starts_at", "id")  # a grouped query drops Meta.ordering
    )


def shape(user: User, event: Event) -> dict[str, Any]:
    own = zone(user.time_zone) if user.time_zone else ZoneInfo("UTC")
    going = getattr(event, "going", None)
    if going is None:
        going = Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING).count()
    mine = Rsvp.objects.filter(event=event, user=user).values_list("status", flat=True).first()
    return {
        "id": event.pk,
        "title": event.title,
        "description": event.description,
        "kind": event.kind,
        "category": event.category,
        "organiser": event.organiser.public_name(),
        "venue": event.venue,
        "address": event.address,
        "region": event.region,
        "time_zone": event.time_zone,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "starts_local": event.starts_at.astimezone(own).isoformat(),
        "ends_local": event.ends_at.astimezone(own).isoformat(),
        "capacity": event.capacity,
        "going": going,
        "cancelled": event.cancelled_at is not None,
        "my_status": mine,
    }


# --- calendar --------------------------------------------------------------------------


def ics(event: Event) -> bytes:
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//eDietitian Community//Events//EN")
    calendar.add("version", "2.0")
    item = CalendarEvent()
    item.add("uid", f"event-{event.pk}@edietitian-community")
    item.add("summary", event.title)
    item.add("dtstart", event.starts_at.astimezone(zone(event.time_zone)))
    item.add("dtend", event.ends_at.astimezone(zone(event.time_zone)))
    item.add("dtstamp", timezone.now())
    if event.description:
        item.add("description", event.description)
    where = ", ".join(p for p in (event.venue, event.address) if p)
    item.add("location", where or "Online")
    if event.cancelled_at is not None:
        item.add("status", "CANCELLED")
    calendar.add_component(item)
    return bytes(calendar.to_ical())
