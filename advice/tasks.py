"""Background jobs of advice."""

from __future__ import annotations

from celery import shared_task

from advice.alert_summary import send_summaries
from advice.alerts import sweep
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


@shared_task(ignore_result=True)
def evaluate_time_alert_rules() -> int:
    """The alert rules time alone makes true (missing data, sliding means), every hour."""
    return sweep()


@shared_task(ignore_result=True)
def send_alert_summaries() -> int:
    """Each professional's morning summary of open alerts, once a local day (every 15
    minutes, so every time zone's morning is met)."""
    return send_summaries()
