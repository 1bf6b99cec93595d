"""Background jobs of advice."""

from __future__ import annotations

from celery import shared_task

from advice.goals import evaluate_active_goals
from advice.reminders import send_habit_reminders


@shared_task(ignore_result=True)
def send_habit_reminder_notices() -> int:
    """Habit reminders due now, at each customer's local time, once a day (every minute)."""
    return send_habit_reminders()


@shared_task(ignore_result=True)
def evaluate_goals() -> int:
    """Active goals evaluated again (hourly): due dates pass and local days turn."""
    return evaluate_active_goals()
