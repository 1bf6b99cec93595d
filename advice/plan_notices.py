"""What a customer is told when a care plan (or a new version of one) is published for
them: a notice in the app, live on ``user:{id}``, and a mail if they want this kind by
mail (on by default: the issue asks for it), at most once per plan in
``PLAN_MAIL_QUIET_MINUTES`` (a publish loop must not flood their inbox; the notice in the
app still says the latest).

A plan is the customer's own health advice, so neither the notice nor the mail carries
any of it: no title, no text, no value. The mail says only that a plan is waiting and
links to the page where they read it after signing in; it is written when it is sent
(``compose``), so a plan archived or erased meanwhile sends nothing. The notice names
nobody either (the page names the plan's author): its title is the same for everyone,
so a notice to each of hundreds of customers costs no lookup of a name.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q

from accounts.models import User
from advice.models import CarePlan
from advice.write_limits import may_mail_about_plan
from notifications.kinds import Kind, register
from notifications.services import email_if_wanted, notify_many

KIND = "plan.published"
PAGE = "/plans"


def compose(user: User, kind: str, about: dict[str, Any]) -> tuple[str, str] | None:
    """The mail for ``about`` (``{"plan": id}``, or ``{"batch": id}`` for a plan sent to
    a group): None when that plan is not the member's published, unarchived plan now."""
    plan_id, batch_id = about.get("plan"), about.get("batch")
    which = Q(pk=plan_id) if type(plan_id) is int else Q(batch_id=batch_id)
    if type(plan_id) is not int and type(batch_id) is not int:
        return None
    plan = (
        CarePlan.objects.filter(which, customer=user, archived_at__isnull=True)
        .exclude(published_version=0)
        .first()
    )
    if plan is None:
        return None
    link = f"{settings.SITE_URL}{PAGE}#plan-{plan.pk}"
    body = (
        "Your care team published a care plan for you, or a new version of one.\n\n"
        f"Read it after signing in: {link}\n\n"
        "You can acknowledge it there, and ask your dietitian about it. For your privacy, "
        "this mail does not carry the plan itself."
    )
    return "A care plan is waiting for you", body


register(Kind(KIND, "A care plan, or a new version of one, is published for you", compose=compose))

TITLE = "A care plan was published for you"
NEW_VERSION = "Your care plan has a new version"


def notify_published(plan: CarePlan, *, first: bool) -> None:
    """Call inside the publishing transaction: the notice is sent on commit."""
    customer_id, plan_id = plan.customer_id, plan.pk
    body = (
        "Read it on your plans page."
        if first
        else "A new version: your plans page shows what changed since the last one."
    )
    notify_many(
        [customer_id],
        KIND,
        TITLE if first else NEW_VERSION,
        body=body,
        url=f"{PAGE}#plan-{plan_id}",
        data={"plan": plan_id},
    )
    if may_mail_about_plan(plan):
        email_if_wanted([customer_id], KIND, {"plan": plan_id})


def notify_sent(customer_ids: list[int], batch_id: int) -> None:
    """The same notice to each customer who got a copy of a plan sent to a group."""
    if not customer_ids:
        return
    notify_many(
        customer_ids,
        KIND,
        TITLE,
        body="Read it on your plans page.",
        url=PAGE,
        data={"batch": batch_id},
    )
    email_if_wanted(customer_ids, KIND, {"batch": batch_id})
