"""Plan templates: a dietitian's starting points for plans. Their own, and those other
dietitians share (read by every dietitian, changed and deleted by their owner only). A
plan made from a template is a copy: changing or deleting the template later changes no
plan. ``goals``: the goals a plan made from it proposes (``advice.plan_goals``), copied
into the plan with its words."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from advice.models import PlanTemplate
from advice.plan_content import check_content
from advice.plan_goals import check_goal_specs, specs_out
from advice.plan_permissions import check_can_edit_template, check_is_dietitian
from advice.plan_reads import person
from profiles.catalogue import TestIndex

FIELDS = ("title", "body", "recommendations", "tasks")


def template_out(
    template: PlanTemplate, viewer: User, index: TestIndex | None = None
) -> dict[str, Any]:
    return {
        "id": template.pk,
        "owner": person(template.owner),
        "mine": template.owner_id == viewer.pk,
        "shared": template.shared,
        "title": template.title,
        "body": template.body,
        "body_html": template.body_html,
        "recommendations": list(template.recommendations),
        "tasks": [{"text": t.get("text", "")} for t in template.tasks if isinstance(t, dict)],
        "goals": specs_out(template.goals, index),
        "created_at": template.created_at,
        "updated_at": template.updated_at,
    }


def templates_for(viewer: User) -> list[dict[str, Any]]:
    """Mine first, then those shared by others, by title."""
    check_is_dietitian(viewer)
    found = PlanTemplate.objects.filter(Q(owner=viewer) | Q(shared=True)).select_related("owner")
    ordered = sorted(found, key=lambda t: (t.owner_id != viewer.pk, t.title.lower(), t.pk))
    index = TestIndex()
    return [template_out(t, viewer, index) for t in ordered]


def create_template(owner: User, given: dict[str, Any], shared: bool = False) -> PlanTemplate:
    check_is_dietitian(owner)
    content = check_content(**{f: given[f] for f in FIELDS if given.get(f) is not None})
    goals = check_goal_specs(given.get("goals") or [])
    return PlanTemplate.objects.create(
        goals=goals,
        owner=owner,
        shared=shared,
        title=content.title,
        body=content.body,
        body_html=content.body_html,
        recommendations=content.recommendations,
        tasks=[{"text": t["text"]} for t in content.tasks],
    )


def update_template(actor: User, template_id: int, changes: dict[str, Any]) -> PlanTemplate:
    check_is_dietitian(actor)
    template = check_can_edit_template(actor, PlanTemplate.objects.filter(pk=template_id).first())
    words: dict[str, Any] = {f: getattr(template, f) for f in FIELDS}
    words.update({f: changes[f] for f in FIELDS if changes.get(f) is not None})
    content = check_content(**words)
    if changes.get("goals") is not None:
        template.goals = check_goal_specs(changes["goals"])
    template.title, template.body, template.body_html = (
        content.title,
        content.body,
        content.body_html,
    )
    template.recommendations = content.recommendations
    template.tasks = [{"text": t["text"]} for t in content.tasks]
    if changes.get("shared") is not None:
        template.shared = bool(changes["shared"])
    template.updated_at = timezone.now()
    template.save()
    return template


def delete_template(actor: User, template_id: int) -> None:
    """Plans made from it keep their words (``CarePlan.template`` is set to null)."""
    check_is_dietitian(actor)
    check_can_edit_template(actor, PlanTemplate.objects.filter(pk=template_id).first()).delete()
