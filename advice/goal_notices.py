"""What goals tell the customer: ``habit.reminder``, a habit's reminder at its local time
(``advice.reminders``). In the app, and by mail per the member's preferences; the mail
is written when it is sent and names the habit only (no goal of a test, no value), and
says nothing once the goal is no longer active. ``care.goal_proposed``: a professional
of their care team proposes a goal (in the app only; the title names the professional by
id, the goal is on the page)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from advice.models import Goal
from notifications.kinds import KINDS, Kind, register
from notifications.services import notify

REMINDER = "habit.reminder"
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


def notify_proposed(goal: Goal, by: User) -> None:
    """The customer hears that ``by`` proposes a goal, to accept or drop on their page."""
    title = KINDS[PROPOSED].title.format(actor=by.public_name())
    notify(goal.customer, PROPOSED, title, body="Accept or drop it on your goals.",
           url="/goals", data={"actor": by.pk, "goal": goal.pk})  # fmt: skip


PROPOSED = "care.goal_proposed"
register(
    Kind(REMINDER, "A reminder of a habit you keep", compose=compose_reminder),
    Kind(
        PROPOSED,
        "Your dietitian proposes a goal",
        email=False,
        mailed=False,
        title="{actor} proposes a goal",
    ),
)
