"""Reminders of an event to everyone with a place: a day before, at the same wall-clock
time in the event's zone, and an hour before; each person gets each once (a
``ReminderSent`` row), and new times make new reminders. ``events.tasks`` sends the due
ones every minute; what a reminder says is ``events.notices``."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from events import notices
from events.models import Event, ReminderSent
from events.services import people_with_a_place, zone
from notifications.services import email_if_wanted, notify_many


def reminder_due(event: Event, kind: str) -> datetime:
    """When a reminder is due: an hour before the start, or the day before at the same
    wall-clock time in the event's zone (23 or 25 hours before across a DST change)."""
    if kind == ReminderSent.Kind.HOUR:
        return event.starts_at - timedelta(hours=1)
    local = event.starts_at.astimezone(zone(event.time_zone))
    day_before = datetime.combine(local.date() - timedelta(days=1), local.time(), local.tzinfo)
    return day_before.astimezone(ZoneInfo("UTC"))


def send_reminders(now: datetime | None = None) -> int:
    """Send the reminders that are due and not sent; each person gets each once."""
    now = now or timezone.now()
    sent = 0
    soon = Event.objects.filter(
        cancelled_at__isnull=True, starts_at__gt=now, starts_at__lte=now + timedelta(hours=26)
    )
    for event in soon:
        for kind in (ReminderSent.Kind.DAY, ReminderSent.Kind.HOUR):
            if reminder_due(event, kind) > now:
                continue
            if kind == ReminderSent.Kind.DAY and event.starts_at - now <= timedelta(hours=1):
                continue  # the hour's reminder is enough
            with transaction.atomic():
                Event.objects.select_for_update().filter(pk=event.pk).first()  # one sender
                going = people_with_a_place(event)
                done = set(
                    ReminderSent.objects.filter(event=event, kind=kind).values_list(
                        "user_id", flat=True
                    )
                )
                due = sorted(going - done)
                if not due:
                    continue
                ReminderSent.objects.bulk_create(
                    [ReminderSent(event=event, user_id=pk, kind=kind, sent_at=now) for pk in due]
                )
                data: dict[str, int | str] = {"event": event.pk, "reminder": str(kind)}
                title = notices.title("event.reminder", event, data)
                notify_many(
                    due, "event.reminder", title, url=notices.page(event), data=data,
                    source=notices.source(event),
                )  # fmt: skip
                email_if_wanted(due, "event.reminder", data)
                sent += len(due)
    return sent
