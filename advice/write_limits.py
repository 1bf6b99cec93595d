"""How often a professional may write advice, and how often a customer is mailed about a
plan: bounds on a script or a loop, never on a day's work.

Every advice write of a dietitian or medical provider (plans made, changed, published or
archived, templates, goals, alert rules, answers to alerts, notes) counts in one hourly
bucket per professional, ``CARE_WRITES_PER_HOUR`` (429 past it, as every limit answers).
A customer's own writes (their goals, check-ins) have their own limits.
"""

from __future__ import annotations

from django.conf import settings

from accounts import limits
from accounts.models import User
from accounts.roles import CARE_ROLES
from advice.models import CarePlan

HOUR = 3600


def charge_care_write(actor: User) -> None:
    """Count one advice write of ``actor`` if they are a professional (RateLimited past
    the hour's allowance)."""
    if actor.role in CARE_ROLES:
        limits.charge(actor, "care_write", settings.CARE_WRITES_PER_HOUR, HOUR)


def may_mail_about_plan(plan: CarePlan) -> bool:
    """Whether the customer may be mailed about ``plan`` now: once per
    ``PLAN_MAIL_QUIET_MINUTES`` (the first publish of a burst mails, the rest do not).
    Counted by the plan's id and when it was made, so nothing carries over to another
    plan given the same id (a database made anew)."""
    window = limits.Window("plan_mail", 1, settings.PLAN_MAIL_QUIET_MINUTES * 60)
    return limits.take(window, f"{plan.pk}:{plan.created_at.timestamp():.6f}") is None
