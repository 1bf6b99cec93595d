"""What goals tell the customer: ``care.reminder``, a habit's reminder at its local time
(``advice.reminders``). In the app, and by mail per the member's preferences; the mail
is written when it is sent and names the habit only (no goal of a test, no value), and
says nothing once the goal is no longer active."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from advice.models import Goal
from notifications.kinds import Kind, register

REMINDER = "care.reminder"
PAGE = "/check-in"


def reminder_title(goal: Goal) -> str:
    return f"Reminder: {goal.habit}"


def compose_reminder(user: User, kind: str, about: dict[str, Any]) -> tuple[str, str] | None:
    goal_id = about.get("goal")
    goal = (
        Goal.objects.filter(
            pk=goal_id, customer=user, kind=Goal.Kind.HABIT, status=Goal.Status.ACTIVE
        ).first()
        if isinstance(goal_id, int)
        else None
    )
    if goal is None:
        return None
    subject = reminder_title(goal)
    body = f"{subject}\n\nCheck in when it is done, on the Check-in page ({PAGE})."
    return subject, body


register(Kind(REMINDER, "A reminder of a habit you keep", compose=compose_reminder))
