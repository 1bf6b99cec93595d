"""Background jobs of events."""

from __future__ import annotations

from celery import shared_task

from events.reminders import send_reminders


@shared_task(ignore_result=True)
def send_event_reminders() -> int:
    """Reminders due now (a day and an hour before), each sent once (every minute)."""
    return send_reminders()
