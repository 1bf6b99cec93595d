"""The customer ticks the tasks of their plan's version in force done, or unticks them.

A published version never changes, so ticks are rows of their own (``CarePlanTaskTick``:
the version, the task's place in it, when it was ticked). Only the customer ticks; their
care team reads the ticks with the plan and hears of each change (``care.activity``, as
for an acknowledgement). Anybody else, the care team included, is told there is no such
plan, as every plan endpoint tells an outsider. Ticking twice keeps the first time.

A new version starts with the ticks of the version it replaces for each task whose text
it keeps exactly (``carry_ticks``, on publish); other tasks start unticked.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from advice.models import CarePlan, CarePlanTaskTick, CarePlanVersion
from advice.plan_permissions import check_can_tick_plan
from advice.topics import tell_care_team
from core.errors import Conflict, ServiceError


def check_tickable(plan: CarePlan, version: int | None) -> None:
    """A plan not archived; ``version``, when given, the one in force (a page showing an
    older one ticks nothing by mistake; a draft's number is never in force)."""
    if plan.archived_at is not None:
        raise Conflict("this plan is archived: it changes no more", code="plan_archived")
    if version is not None and version != plan.published_version:
        raise Conflict(
            f"only the tasks of the version in force (version {plan.published_version}) "
            "are ticked: read the plan again",
            code="not_in_force",
        )


def tick_task(
    customer: User, plan_id: int, index: int, done: bool, *, version: int | None = None
) -> bool:
    """Tick (``done``) or untick task ``index`` (0 first) of the version in force. Returns
    whether anything changed; the care team hears only of a change."""
    with transaction.atomic():
        plan = check_can_tick_plan(
            customer, CarePlan.objects.select_for_update().filter(pk=plan_id).first()
        )
        check_tickable(plan, version)
        in_force = CarePlanVersion.objects.get(plan=plan, number=plan.published_version)
        count = len(in_force.tasks)
        if not 0 <= index < count:
            raise ServiceError(
                f"no such task: this version's tasks are 0 to {count - 1}"
                if count
                else "this version has no task",
                code="invalid_field",
                field="index",
            )
        if done:
            _, changed = CarePlanTaskTick.objects.get_or_create(
                version=in_force, index=index, defaults={"done_at": timezone.now()}
            )
        else:
            deleted, _ = CarePlanTaskTick.objects.filter(version=in_force, index=index).delete()
            changed = deleted > 0
        if changed:
            tell_care_team(customer.pk, "plan", plan.pk)
    return changed


def _texts(version: CarePlanVersion) -> list[str]:
    return [t.get("text", "") for t in version.tasks]


def carry_ticks(previous: CarePlanVersion | None, new: CarePlanVersion) -> None:
    """``new`` is published in place of ``previous``: each of its tasks with exactly the
    text of a ticked task of ``previous`` is ticked as that one was (when first ticked).
    A text held twice pairs in order: the first with the first."""
    if previous is None:
        return
    done = {t.index: t.done_at for t in CarePlanTaskTick.objects.filter(version=previous)}
    waiting: dict[str, list[int]] = {}
    for index, text in enumerate(_texts(previous)):
        waiting.setdefault(text, []).append(index)
    carried = []
    for index, text in enumerate(_texts(new)):
        same = waiting.get(text)
        if not same:
            continue
        old = same.pop(0)
        if old in done:
            carried.append(CarePlanTaskTick(version=new, index=index, done_at=done[old]))
    CarePlanTaskTick.objects.bulk_create(carried)
