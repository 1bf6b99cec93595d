"""Reading care plans: a customer's list, one plan, one version. The customer sees their
published plans (the version in force and the earlier published ones, never a draft);
the care team sees every plan of the customer, drafts included; each task says when the
customer ticked it done. A read by someone other than the customer is one entry in the
customer's access log per request (the caller, which knows the door, writes it:
``audit``). A few queries however many plans and versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from accounts.audit import record_access
from accounts.models import User
from advice.models import CarePlan, CarePlanVersion
from advice.plan_goals import proposed_keys, specs_out
from advice.plan_permissions import NO_PLAN, check_can_read_plan, check_can_read_plans_of
from core.errors import NotFound
from profiles.catalogue import TestIndex
from profiles.permissions import Relation


def person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.public_name()}


def tasks_out(version: CarePlanVersion) -> list[dict[str, Any]]:
    """Each task with when the customer ticked it done (null: not done; a draft's never
    are). The ticks come prefetched (``_with_versions``)."""
    done = {tick.index: tick.done_at for tick in version.ticks.all()}
    return [
        {"text": t.get("text", ""), "done_at": done.get(i)} for i, t in enumerate(version.tasks)
    ]


@dataclass(frozen=True)
class GoalsSeen:
    """What a reader is shown of a plan's goal specs: whether each was proposed (the keys
    of the goals the plan proposed), and for the customer only those that were (a spec that
    could not be proposed to them, or a draft's, is the care team's to see)."""

    proposed: set[tuple[Any, ...]]
    customer: bool
    index: TestIndex


def goals_seen(plan_ids: list[int], relation: Relation) -> dict[int, GoalsSeen]:
    """For each plan, what its reader is shown of its goals (one query for all)."""
    keys = proposed_keys(plan_ids)
    index = TestIndex()
    return {pk: GoalsSeen(keys[pk], relation is Relation.SELF, index) for pk in plan_ids}


def goals_out(version: CarePlanVersion, seen: GoalsSeen) -> list[dict[str, Any]]:
    shown = specs_out(version.goals, seen.index, seen.proposed)
    return [g for g in shown if g["proposed"]] if seen.customer else shown


def version_out(version: CarePlanVersion, seen: GoalsSeen) -> dict[str, Any]:
    return {
        "number": version.number,
        "title": version.title,
        "body": version.body,
        "body_html": version.body_html,
        "recommendations": list(version.recommendations),
        "tasks": tasks_out(version),
        "attachments": [{"title": a["title"], "url": a["url"]} for a in version.attachments],
        "goals": goals_out(version, seen),
        "change_note": version.change_note,
        "written_by": person(version.written_by),
        "created_at": version.created_at,
        "updated_at": version.updated_at,
        "published_at": version.published_at,
        "acknowledged_at": version.acknowledged_at,
    }


def draft_out(draft: CarePlanVersion, seen: GoalsSeen) -> dict[str, Any]:
    """A draft as its care team reads it: nothing in it is ticked, so its tasks are their
    words alone."""
    return {**version_out(draft, seen), "tasks": [{"text": t.get("text", "")} for t in draft.tasks]}


def _seen(plan: CarePlan, relation: Relation) -> list[CarePlanVersion]:
    """The versions ``relation`` may read, oldest first (prefetched)."""
    versions = sorted(plan.versions.all(), key=lambda v: v.number)
    if relation is Relation.SELF:
        return [v for v in versions if v.published_at is not None]
    return versions


def plan_out(plan: CarePlan, relation: Relation, seen: GoalsSeen | None = None) -> dict[str, Any]:
    seen = seen or goals_seen([plan.pk], relation)[plan.pk]
    versions = _seen(plan, relation)
    in_force = next((v for v in versions if v.number == plan.published_version), None)
    draft = next((v for v in versions if v.published_at is None), None)
    author = plan.author
    return {
        "id": plan.pk,
        "customer": person(plan.customer),
        "author": person(author),
        "template_id": plan.template_id,
        "batch_id": plan.batch_id,
        "published_version": plan.published_version,
        "archived_at": plan.archived_at,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
        "in_force": version_out(in_force, seen) if in_force else None,
        "draft": draft_out(draft, seen) if draft else None,
        "versions": [
            {
                "number": v.number,
                "published_at": v.published_at,
                "acknowledged_at": v.acknowledged_at,
                "change_note": v.change_note,
            }
            for v in versions
        ],
        # Where the customer asks about it: the conversation with its author.
        "ask_url": f"/?with={author.pk}" if author is not None and author.is_active else None,
    }


def _with_versions(plans: QuerySet[CarePlan]) -> QuerySet[CarePlan]:
    return plans.select_related("customer", "author").prefetch_related(
        Prefetch(
            "versions",
            queryset=CarePlanVersion.objects.select_related("written_by").prefetch_related("ticks"),
        )
    )


def audit(viewer: User, customer_id: int, door: str = "http") -> None:
    """A professional's read, in the customer's access log (the customer's own is not)."""
    record_access(viewer, customer_id, "read", "care plans", door)


def plans_of(viewer: User, customer_id: int) -> list[dict[str, Any]]:
    """Newest change first. The customer: their published plans, archived ones too."""
    relation = check_can_read_plans_of(viewer, customer_id)
    plans = CarePlan.objects.filter(customer_id=customer_id)
    if relation is Relation.SELF:
        plans = plans.exclude(published_version=0)
    found = list(_with_versions(plans))
    seen = goals_seen([p.pk for p in found], relation)
    return [plan_out(p, relation, seen[p.pk]) for p in found]


def plan_for(viewer: User, plan_id: int) -> tuple[CarePlan, Relation]:
    plan = _with_versions(CarePlan.objects.filter(pk=plan_id)).first()
    if plan is None:
        raise NotFound(NO_PLAN)
    return plan, check_can_read_plan(viewer, plan)


def plan_detail(viewer: User, plan_id: int) -> tuple[CarePlan, dict[str, Any]]:
    plan, relation = plan_for(viewer, plan_id)
    return plan, plan_out(plan, relation)


def version_of(viewer: User, plan_id: int, number: int) -> tuple[CarePlan, dict[str, Any]]:
    """One version the viewer may read (a customer: a published one), as they read it."""
    plan, relation = plan_for(viewer, plan_id)
    found = next((v for v in _seen(plan, relation) if v.number == number), None)
    if found is None:
        raise NotFound("no such version of this plan")
    return plan, version_out(found, goals_seen([plan.pk], relation)[plan.pk])


def readable_versions(
    viewer: User, plan_id: int
) -> tuple[CarePlan, list[CarePlanVersion], GoalsSeen]:
    plan, relation = plan_for(viewer, plan_id)
    return plan, _seen(plan, relation), goals_seen([plan.pk], relation)[plan.pk]
