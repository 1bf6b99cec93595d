"""What care plans keep about a member, in their download and on erasure.

- A customer's download holds their plans: every published version (never a draft,
  which they never saw), with who wrote it as shown now, and each task they ticked done
  with when. On erasure their plans go, every version and tick with them (goals a plan
  proposed stay theirs to the goals part, unlinked).
- A professional's download holds their templates, and of the plans and sends they made
  only ids, dates and counts: the words of a plan are the customer's health advice, in
  the customer's download, and no customer is named here. On erasure the plans they wrote
  stay with the customers (the author and each version's writer set to nobody, shown as
  such), their sends keep their counts without them, and their templates go, shared ones
  too: a template is their own writing, and every plan made from one already holds a
  copy of its words.
"""

from __future__ import annotations

from accounts.models import User
from accounts.personal_data import Part, Table, register
from advice.models import CarePlan, CarePlanTaskTick, CarePlanVersion, PlanBatch, PlanTemplate


def _task_text(version: CarePlanVersion, index: int) -> str:
    tasks = version.tasks
    return str(tasks[index].get("text", "")) if index < len(tasks) else ""


def export_plans(user: User) -> list[Part]:
    versions = (
        CarePlanVersion.objects.filter(plan__customer=user, published_at__isnull=False)
        .select_related("plan", "written_by")
        .order_by("plan_id", "number")
    )
    ticks = (
        CarePlanTaskTick.objects.filter(version__plan__customer=user)
        .select_related("version")
        .order_by("version__plan_id", "version__number", "index")
    )
    parts: list[Part] = [
        Table(
            "care-plans",
            [
                {
                    "plan": v.plan_id,
                    "version": v.number,
                    "in_force": v.number == v.plan.published_version,
                    "title": v.title,
                    "body": v.body,
                    "recommendations": list(v.recommendations),
                    "tasks": [t.get("text", "") for t in v.tasks],
                    "attachments": list(v.attachments),
                    "goals": list(v.goals),
                    "change_note": v.change_note,
                    "written_by": v.written_by.public_name() if v.written_by else "",
                    "published_at": v.published_at,
                    "acknowledged_at": v.acknowledged_at,
                    "archived_at": v.plan.archived_at,
                }
                for v in versions
            ],
        ),
        Table(
            "care-plan-tasks-done",
            [
                {
                    "plan": t.version.plan_id,
                    "version": t.version.number,
                    "task": t.index,
                    "text": _task_text(t.version, t.index),
                    "done_at": t.done_at,
                }
                for t in ticks
            ],
            columns=("plan", "version", "task", "text", "done_at"),
        ),
    ]
    templates = PlanTemplate.objects.filter(owner=user).order_by("created_at", "id")
    written = CarePlan.objects.filter(author=user).order_by("created_at", "id")
    batches = PlanBatch.objects.filter(author=user).order_by("created_at", "id")
    if templates or written or batches:
        parts += [
            Table(
                "plan-templates",
                [
                    {
                        "id": t.pk,
                        "title": t.title,
                        "shared": t.shared,
                        "body": t.body,
                        "recommendations": list(t.recommendations),
                        "tasks": [x.get("text", "") for x in t.tasks if isinstance(x, dict)],
                        "created_at": t.created_at,
                        "updated_at": t.updated_at,
                    }
                    for t in templates
                ],
            ),
            Table(
                "care-plans-written",
                [
                    {
                        "plan": p.pk,
                        "created_at": p.created_at,
                        "published_version": p.published_version,
                        "archived_at": p.archived_at,
                    }
                    for p in written
                ],
                columns=("plan", "created_at", "published_version", "archived_at"),
            ),
            Table(
                "care-plans-sent",
                [
                    {
                        "group": b.group,
                        "label": b.label,
                        "sent": b.sent,
                        "skipped": b.skipped,
                        "created_at": b.created_at,
                    }
                    for b in batches
                ],
                columns=("group", "label", "sent", "skipped", "created_at"),
            ),
        ]
    return parts


def erase_plans(user: User) -> None:
    CarePlan.objects.filter(customer=user).delete()
    CarePlan.objects.filter(author=user).update(author=None)
    CarePlanVersion.objects.filter(written_by=user).update(written_by=None)
    PlanBatch.objects.filter(author=user).update(author=None)
    PlanTemplate.objects.filter(owner=user).delete()


register(
    "advice.plans",
    models=(
        "advice.CarePlan",
        "advice.CarePlanVersion",
        "advice.PlanTemplate",
        "advice.PlanBatch",
    ),
    export=export_plans,
    erase=erase_plans,
    keeps="plans a professional wrote stay with the customer, without the author",
)
