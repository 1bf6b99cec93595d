"""What goals tell the customer: ``habit.reminder``, a habit's reminder at its local time
(``advice.reminders``). In the app, naming the habit (it stays in the app), and by mail
per the member's preferences; a mail leaves the platform and a habit can be medical
("Take metformin"), so the mail names no habit, goal or value: the same words for every
reminder, with the link to the check-in page. It is written when it is sent, and nothing
is sent once the goal is no longer active. ``care.goal_proposed``: a professional
of their care team proposes a goal (in the app only; the title names the professional by
id, the goal is on the page)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from accounts.models import User
from advice.models import Goal
from notifications.kinds import KINDS, Kind, register
from notifications.services import notify

REMINDER = "habit.reminder"
PAGE = "/check-in"
MAIL_SUBJECT = "A reminder of a habit you keep"


def reminder_title(goal: Goal) -> str:
    return f"Reminder: {goal.habit}"


def compose_reminder(user: User, kind: str, about: dict[str, Any]) -> tuple[str, str] | None:
    """The same mail for every habit (none named): None once the goal is not active."""
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
    link = f"{settings.SITE_URL}{PAGE}"
    body = (
        "A reminder of a habit you keep: it is not done yet for today (or this week).\n\n"
        f"Check in when it is done, on your Check-in page after signing in: {link}\n\n"
        "For your privacy, this mail does not name the habit."
    )
    return MAIL_SUBJECT, body


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
