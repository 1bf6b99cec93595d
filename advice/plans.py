"""Care plans: a dietitian's advice for one customer, in versions.

A plan starts as a draft (version 1), edited in place. Publishing freezes the draft
(``published_at``) and makes it the version in force (``CarePlan.published_version``);
the customer is told (``advice.plan_notices``). A change to a published plan starts a new
draft, a copy of the last version with the change applied, which the customer never sees
until it is published in turn; so a published version never changes. The customer
acknowledges the version in force, which their care team hears (``care.activity``), and
ticks its tasks done (``advice.plan_ticks``). A
dietitian of the care team archives a plan: it stays readable, and changes no more.

Reads: ``advice.plan_reads``; comparisons: ``advice.plan_compare``; templates:
``advice.plan_templates``; a plan sent to a group: ``advice.plan_send``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import record_access
from accounts.models import User
from advice.models import CarePlan, CarePlanVersion, PlanTemplate
from advice.plan_content import Content, check_content, check_note
from advice.plan_goals import check_goal_specs, propose
from advice.plan_notices import notify_published
from advice.plan_permissions import (
    NO_PLAN,
    check_can_read_template,
    check_can_write_plan,
    check_can_write_plan_for,
)
from advice.plan_ticks import carry_ticks
from advice.topics import tell_care_team
from core.errors import Conflict, NotFound

# The fields of a version a change may set (the rest are the plan's history).
CONTENT_FIELDS = ("title", "body", "recommendations", "tasks", "attachments")


def _version_from(content: Content, **fields: Any) -> CarePlanVersion:
    return CarePlanVersion(
        title=content.title,
        body=content.body,
        body_html=content.body_html,
        recommendations=content.recommendations,
        tasks=content.tasks,
        attachments=content.attachments,
        **fields,
    )


def start_from(actor: User, template_id: int | None, given: dict[str, Any]) -> dict[str, Any]:
    """The words of a new plan: the template's (if any), then what was given over them."""
    words: dict[str, Any] = {"title": "", "body": "", "recommendations": [], "tasks": []}
    words["attachments"] = []
    words["goals"] = []
    if template_id is not None:
        template = check_can_read_template(
            actor, PlanTemplate.objects.filter(pk=template_id).first()
        )
        words.update(
            title=template.title,
            body=template.body,
            recommendations=template.recommendations,
            tasks=[{"text": t.get("text", "")} for t in template.tasks if isinstance(t, dict)],
            goals=list(template.goals),
        )
    words.update({k: v for k, v in given.items() if k in CONTENT_FIELDS and v is not None})
    if given.get("goals") is not None:
        words["goals"] = given["goals"]
    return words


def checked_words(words: dict[str, Any]) -> tuple[Content, list[dict[str, Any]]]:
    """The plan's words and the goals it proposes, each checked."""
    goals = check_goal_specs(words.get("goals", []))
    return check_content(**{k: v for k, v in words.items() if k in CONTENT_FIELDS}), goals


def create_plan(
    actor: User,
    customer_id: int,
    given: dict[str, Any],
    *,
    template_id: int | None = None,
    change_note: str = "",
) -> CarePlan:
    """A draft plan for a customer in ``actor``'s care, from a template or from scratch.
    Nothing is stored for anyone else (refused before any lookup of the content)."""
    check_can_write_plan_for(actor, customer_id)
    content, goals = checked_words(start_from(actor, template_id, given))
    note = check_note(change_note)
    now = timezone.now()
    with transaction.atomic():
        plan = CarePlan.objects.create(
            customer_id=customer_id,
            author=actor,
            template_id=template_id,
            created_at=now,
            updated_at=now,
        )
        _version_from(
            content,
            plan=plan,
            number=1,
            goals=goals,
            change_note=note,
            written_by=actor,
            created_at=now,
        ).save()
        record_access(actor, customer_id, "write", "care plan", "http")
    return plan


def _locked(actor: User, plan_id: int) -> CarePlan:
    plan = CarePlan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(NO_PLAN)
    check_can_write_plan(actor, plan)
    if plan.archived_at is not None:
        raise Conflict("this plan is archived: it changes no more", code="plan_archived")
    return plan


def edit_plan(actor: User, plan_id: int, changes: dict[str, Any]) -> CarePlan:
    """Edit the draft in place; with no draft (the plan is published), start a new draft
    version: a copy of the last one with ``changes`` applied. The customer sees neither
    until it is published."""
    with transaction.atomic():
        plan = _locked(actor, plan_id)
        last = plan.versions.order_by("-number").first()
        assert last is not None  # every plan is made with its first version
        words = {f: getattr(last, f) for f in CONTENT_FIELDS}
        words["tasks"] = [{"text": t.get("text", "")} for t in last.tasks]
        words.update({k: v for k, v in changes.items() if k in CONTENT_FIELDS and v is not None})
        words["goals"] = changes["goals"] if changes.get("goals") is not None else last.goals
        content, goals = checked_words(words)
        note = changes.get("change_note")
        now = timezone.now()
        if last.published_at is None:
            draft = last
            for name in CONTENT_FIELDS:
                setattr(draft, name, getattr(content, name))
            draft.body_html = content.body_html
            draft.goals = goals
            if note is not None:
                draft.change_note = check_note(note)
            draft.written_by = actor
            draft.updated_at = now
            draft.save()
        else:
            _version_from(
                content,
                plan=plan,
                number=last.number + 1,
                goals=goals,
                change_note=check_note(note or ""),
                written_by=actor,
                created_at=now,
                updated_at=now,
            ).save()
        plan.updated_at = now
        plan.save(update_fields=["updated_at"])
        record_access(actor, plan.customer_id, "write", "care plan", "http")
    return plan


def publish_plan(actor: User, plan_id: int) -> CarePlan:
    """The draft becomes the version in force; the customer is told (in the app, and by
    mail if they want it) and their care team hears of it. Tasks it keeps word for word
    keep their ticks."""
    with transaction.atomic():
        plan = _locked(actor, plan_id)
        draft = plan.versions.filter(published_at__isnull=True).first()
        if draft is None:
            raise Conflict("nothing to publish: change the plan first", code="no_draft")
        now = timezone.now()
        draft.published_at = now
        draft.updated_at = now
        draft.save(update_fields=["published_at", "updated_at"])
        replaced = (
            plan.versions.filter(number=plan.published_version).first()
            if plan.published_version
            else None
        )
        carry_ticks(replaced, draft)
        plan.published_version = draft.number
        plan.updated_at = now
        plan.save(update_fields=["published_version", "updated_at"])
        # Its goals no goal of the plan asks yet (a refusal undoes the publish, naming
        # the goal).
        propose(actor, plan, list(draft.goals))
        record_access(actor, plan.customer_id, "write", "care plan", "http")
        notify_published(plan, first=draft.number == 1)
        tell_care_team(plan.customer_id, "plan", plan.pk)
    return plan


def archive_plan(actor: User, plan_id: int) -> CarePlan:
    """An archived plan stays on the customer's page (marked so) and changes no more; a
    new version in draft is dropped (the customer never saw it). A plan never published
    keeps its draft, for the care team to read."""
    with transaction.atomic():
        plan = _locked(actor, plan_id)
        if plan.published_version:
            plan.versions.filter(published_at__isnull=True).delete()
        plan.archived_at = plan.updated_at = timezone.now()
        plan.save(update_fields=["archived_at", "updated_at"])
        record_access(actor, plan.customer_id, "write", "care plan", "http")
        tell_care_team(plan.customer_id, "plan", plan.pk)
    return plan


def acknowledge_plan(customer: User, plan_id: int) -> CarePlanVersion:
    """The customer says they read the version in force; their care team hears of it.
    Acknowledging again keeps the first time."""
    with transaction.atomic():
        plan = CarePlan.objects.select_for_update().filter(pk=plan_id, customer=customer).first()
        if plan is None or plan.published_version == 0:
            raise NotFound(NO_PLAN)
        version = plan.versions.get(number=plan.published_version)
        if version.acknowledged_at is None:
            version.acknowledged_at = timezone.now()
            version.save(update_fields=["acknowledged_at"])
            tell_care_team(customer.pk, "plan", plan.pk)
    return version
