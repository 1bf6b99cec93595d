"""One plan sent to many customers, each getting their own copy (a ``CarePlan`` of their
own, which the dietitian may then change for that customer alone).

The group is a list of customers, or a group an app above provides
(``advice.providers``: ``class`` is everyone enrolled in a class the dietitian organises
or teaches). Only the members in the sender's care (relation CARE: in the care team, the
consent to care standing) get a copy; the others are skipped and counted, never named, so
a send tells the sender nothing about who is outside their care.

Copies are published at once by default: a send is general advice meant to reach the
group now, and a draft for each of hundreds of customers would wait for hundreds of
publishes. ``publish=False`` makes drafts instead, for a dietitian who wants to adjust
each copy before the customer sees it. A ``PlanBatch`` row records the send.

The request is a bounded number of queries whatever the group's size (the members, the
care relations, three bulk inserts and the access log); the customers are told after the
commit by ``advice.plan_tasks.tell_plan_sent`` (a durable notice on each one's own topic
costs a few queries each). A group larger than ``CARE_PLAN_GROUP_MAX`` is refused before
anything is stored.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit import record_access
from accounts.models import User
from advice.models import CarePlan, CarePlanVersion, PlanBatch
from advice.plan_content import check_note
from advice.plan_permissions import check_is_dietitian
from advice.plan_tasks import tell_plan_sent
from advice.plans import checked_words, start_from
from advice.providers import group_kinds, group_members
from core.errors import NotFound, ServiceError
from profiles.permissions import customers_in_care


def _members(
    actor: User, customer_ids: list[int] | None, group: tuple[str, int] | None
) -> tuple[str, str, list[int]]:
    """(group key, label, member ids)."""
    if (customer_ids is None) == (group is None):
        raise ServiceError("send to either customer_ids or a group", field="group")
    if customer_ids is not None:
        return "customers", "", list(dict.fromkeys(customer_ids))
    assert group is not None
    kind, group_id = group
    if kind not in group_kinds():
        raise ServiceError(
            f"group.kind must be one of: {', '.join(group_kinds()) or 'none'}", field="group.kind"
        )
    found = group_members(kind, actor, group_id)
    if found is None:
        raise NotFound("no such group")
    label, members = found
    return f"{kind}:{group_id}", label, list(dict.fromkeys(members))


def send_plan(
    actor: User,
    given: dict[str, Any],
    *,
    template_id: int | None = None,
    customer_ids: list[int] | None = None,
    group: tuple[str, int] | None = None,
    publish: bool = True,
    change_note: str = "",
) -> dict[str, Any]:
    """Each member in ``actor``'s care gets their own copy; returns the counts."""
    check_is_dietitian(actor)
    content, goals = checked_words(start_from(actor, template_id, given))
    note = check_note(change_note)
    key, label, members = _members(actor, customer_ids, group)
    limit = settings.CARE_PLAN_GROUP_MAX
    if len(members) > limit:
        raise ServiceError(
            f"a plan goes to at most {limit} customers at once; this group has {len(members)}",
            code="group_too_large",
            field="group" if group else "customer_ids",
        )
    in_care = customers_in_care(actor, members)
    reached = sorted(
        User.objects.filter(pk__in=in_care, is_active=True, erased_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    now = timezone.now()
    with transaction.atomic():
        batch = PlanBatch.objects.create(
            author=actor,
            group=key,
            label=label[:200],
            template_id=template_id,
            sent=len(reached),
            skipped=len(members) - len(reached),
            created_at=now,
        )
        plans = CarePlan.objects.bulk_create(
            [
                CarePlan(
                    customer_id=pk,
                    author=actor,
                    template_id=template_id,
                    batch=batch,
                    published_version=1 if publish else 0,
                    created_at=now,
                    updated_at=now,
                )
                for pk in reached
            ]
        )
        CarePlanVersion.objects.bulk_create(
            [
                CarePlanVersion(
                    plan=plan,
                    number=1,
                    title=content.title,
                    body=content.body,
                    body_html=content.body_html,
                    recommendations=content.recommendations,
                    tasks=content.tasks,
                    attachments=content.attachments,
                    goals=goals,
                    change_note=note,
                    written_by=actor,
                    created_at=now,
                    updated_at=now,
                    published_at=now if publish else None,
                )
                for plan in plans
            ]
        )
        record_access(actor, reached, "write", "care plan", "http")
        if publish and reached:
            queue = partial(tell_plan_sent.delay, batch.pk)
            # robust: a broker outage costs the notices, never the plans sent.
            transaction.on_commit(queue, robust=True)
    return {
        "batch_id": batch.pk,
        "group": label,
        "sent": batch.sent,
        "skipped": batch.skipped,
        "published": publish,
    }
