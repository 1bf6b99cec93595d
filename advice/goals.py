"""Goals: set, accepted, dropped, listed. How status and progress are computed is
``advice.goal_status``.

A professional of the customer's care team (relation CARE) proposes a goal: it stays
``proposed`` until the customer accepts it. A customer's own goal is active at once. A
target is on a test the setter may see (a professional: one the customer shares with the
care team), in a unit the test takes and within its plausible range; it is stored in the
test's canonical unit, and its baseline is the latest value when the goal starts (set
again on acceptance). Either side drops a goal, saying why.

The care team sees the customer's habit goals, and target goals on the tests it may see;
each read is in the customer's access log (reading: ``advice.goal_reads``). Goals are
evaluated again on a check-in, when results are written
(``profiles.signals.results_written``), on acceptance and dropping, and by the hourly job
(``evaluate_active_goals``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils import timezone

from accounts.audit import record_access
from accounts.models import User
from accounts.roles import Role
from advice.goal_notices import notify_proposed
from advice.goal_status import evaluate, zone_of
from advice.models import CarePlan, Goal
from advice.topics import tell_care_team
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from profiles.models import Result
from profiles.permissions import Relation
from profiles.records import Record, open_record
from profiles.results import check_value
from profiles.signals import results_written
from profiles.units import label, to_canonical

logger = logging.getLogger(__name__)
NOT_FOUND = "no such goal"
SYMBOLS = {"lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}
MAX_TIMES = {Goal.Period.DAY: 24, Goal.Period.WEEK: 50}
LAST_DUE_DATE = dt.date(2099, 12, 31)


def _invalid(message: str, field: str, code: str = "invalid_field") -> ServiceError:
    return ServiceError(message, code=code, field=field)


def set_goal(
    actor: User,
    customer_id: int,
    *,
    kind: str,
    title: str = "",
    test: str | None = None,
    comparison: str | None = None,
    target: float | None = None,
    unit: str | None = None,
    habit: str | None = None,
    times: int | None = None,
    period: str | None = None,
    remind_at: dt.time | None = None,
    due_on: dt.date | None = None,
    plan_id: int | None = None,
    notify: bool = True,
) -> Goal:
    """A goal for ``customer_id``: proposed by a professional of their care team, or the
    customer's own (active at once). Bad input is refused before anything is stored.
    ``notify``: the customer hears of a proposed goal (not when a plan proposing it tells
    them of the plan)."""
    record = open_record(actor, customer_id)  # 404 for anyone but the customer and CARE
    customer = record.customer
    if customer.role != Role.CUSTOMER:
        raise NotFound("no such customer in your care")
    check_can_write_goals(actor, record)
    today = timezone.now().astimezone(zone_of(customer)).date()
    if due_on is not None and not today <= due_on <= LAST_DUE_DATE:
        raise _invalid("the due date is from today to 2099-12-31", "due_on")
    goal = Goal(customer=customer, set_by=actor, kind=kind, starts_on=today, due_on=due_on)
    if plan_id is not None:
        if not plans_to_link(record).filter(pk=plan_id).exists():
            raise _invalid("no such plan for this customer", "plan_id")
        goal.plan_id = plan_id
    if kind == Goal.Kind.TARGET:
        if habit or times is not None or period or remind_at is not None:
            raise _invalid("a target has no habit, times, period or reminder", "habit")
        _target_fields(goal, record, test, comparison, target, unit)
    elif kind == Goal.Kind.HABIT:
        if test or comparison or target is not None or unit:
            raise _invalid("a habit has no test, comparison, target or unit", "test")
        _habit_fields(goal, habit, times, period, remind_at)
    else:
        raise _invalid("a goal is a target on a test or a habit", "kind")
    goal.title = " ".join(title.split())[:200] or default_title(goal)
    now = timezone.now()
    if record.relation is Relation.SELF:
        goal.accepted_at = now
    with transaction.atomic():
        goal.save()
        evaluate(goal, now)
        if care_sees(record, goal):
            tell_care_team(customer.pk, "goal", goal.pk)
        if record.by_other and notify:
            notify_proposed(goal, actor)
            record_access(actor, [customer], "add", "goals", "http")
    return goal


def check_can_write_goals(actor: User, record: Record) -> None:
    """Goals are the customer's and their dietitian's: a medical provider of the care team
    reads them (the issue: a read-only view, results and notes) and sets or drops none.
    Asked once the record is open, so anyone outside the care team has had their 404."""
    if record.relation is Relation.SELF:
        return
    if record.relation is not Relation.CARE or actor.role != Role.DIETITIAN:
        raise Forbidden("your care team's dietitian sets goals")


def plans_to_link(record: Record) -> QuerySet[CarePlan]:
    """The plans a goal may name: the customer's published ones for the customer (a draft
    is as unknown to them as a plan that does not exist), any of theirs for the care team."""
    plans = CarePlan.objects.filter(customer=record.customer)
    if record.relation is Relation.SELF:
        plans = plans.filter(published_version__gt=0)
    return plans


def _target_fields(
    goal: Goal,
    record: Record,
    code: str | None,
    comparison: str | None,
    target: float | None,
    unit: str | None,
) -> None:
    found = record.index.find(code or "") if code else None
    if found is None:
        raise _invalid(f"no test {code!r} in the catalogue", "test", "unknown_test")
    if not record.visible(found):
        # Nothing stored, and no value of the test read: the care team does not see it.
        raise Forbidden(f"{found.name()} is not shared with the care team", field="test")
    if comparison not in Goal.Comparison.values:
        raise _invalid("compare with lt, lte, gt or gte", "comparison")
    if target is None or not math.isfinite(target):
        raise _invalid("give the target value", "target")
    canonical, entered = to_canonical(found, target, unit or found.unit)
    check_value(found, canonical, entered, field="target")
    goal.test = found
    goal.comparison = comparison
    goal.target = round(canonical, 4)
    goal.baseline = latest_value(goal.customer_id, found.pk)


def _habit_fields(
    goal: Goal, habit: str | None, times: int | None, period: str | None, at: dt.time | None
) -> None:
    text = " ".join((habit or "").split())
    if not text:
        raise _invalid("say what the habit is", "habit")
    if len(text) > 120:
        raise _invalid("a habit is said in 120 characters or fewer", "habit")
    if period not in Goal.Period.values:
        raise _invalid("a habit's period is day or week", "period")
    most = MAX_TIMES[Goal.Period(period)]
    if times is None or not 1 <= times <= most:
        raise _invalid(f"from 1 to {most} times a {period}", "times")
    goal.habit, goal.times, goal.period = text, times, period
    goal.remind_at = at.replace(second=0, microsecond=0, tzinfo=None) if at else None


def default_title(goal: Goal) -> str:
    if goal.kind == Goal.Kind.TARGET and goal.test is not None:
        number = f"{goal.target:g}"
        return f"{goal.test.name()} {SYMBOLS[goal.comparison]} {number} {label(goal.test.unit)}"
    return habit_words(goal.habit, goal.times, goal.period)


def habit_words(habit: str, times: object, period: str) -> str:
    """A habit with its cadence in words ("Water every day", "Walk once a week", "Walk 3
    times a week")."""
    if period == Goal.Period.DAY:
        return f"{habit} every day" if times == 1 else f"{habit} {times} times a day"
    return f"{habit} once a week" if times == 1 else f"{habit} {times} times a week"


def latest_value(customer_id: int, test_id: int) -> float | None:
    return (
        Result.objects.filter(customer_id=customer_id, test_id=test_id, superseded_at__isnull=True)
        .order_by("-taken_at", "-id")
        .values_list("value", flat=True)
        .first()
    )


def care_sees(record: Record, goal: Goal) -> bool:
    """Whether the care team sees this goal (a habit; a target on a test it sees)."""
    return goal.test_id is None or (
        goal.test_id in record.index.by_id and record.care_sees(record.index.by_id[goal.test_id])
    )


def goal_for(actor: User, goal_id: int) -> tuple[Goal, Record]:
    """The goal and the record as ``actor`` may see it; 404 alike for a goal that does not
    exist and one they may not see."""
    goal = Goal.objects.select_related("customer", "test").filter(pk=goal_id).first()
    if goal is None:
        raise NotFound(NOT_FOUND)
    try:
        record = open_record(actor, goal.customer_id)
    except NotFound:
        raise NotFound(NOT_FOUND) from None
    if goal.test is not None and not record.visible(goal.test):
        raise NotFound(NOT_FOUND)
    return goal, record


def accept_goal(actor: User, goal_id: int) -> Goal:
    """The customer agrees to a proposed goal: it starts today, from the latest value."""
    goal, record = goal_for(actor, goal_id)
    if record.relation is not Relation.SELF:
        raise Forbidden("only the customer accepts a goal proposed to them")
    with transaction.atomic():
        goal = (
            Goal.objects.select_for_update(of=("self",))
            .select_related("customer", "test")
            .get(pk=goal.pk)
        )
        if goal.status != Goal.Status.PROPOSED:
            raise Conflict("this goal is not waiting for your answer", code="not_proposed")
        now = timezone.now()
        goal.accepted_at = now
        goal.starts_on = now.astimezone(zone_of(goal.customer)).date()
        if goal.test_id is not None:
            goal.baseline = latest_value(goal.customer_id, goal.test_id)
        goal.save(update_fields=["accepted_at", "starts_on", "baseline"])
        evaluate(goal, now)
        if care_sees(record, goal):
            tell_care_team(goal.customer_id, "goal", goal.pk)
    return goal


def drop_goal(actor: User, goal_id: int, reason: str) -> Goal:
    """The customer or a dietitian of their care team drops a goal, saying why."""
    goal, record = goal_for(actor, goal_id)
    check_can_write_goals(actor, record)
    reason = " ".join(reason.split())
    if not reason:
        raise _invalid("say why the goal is dropped", "reason", "reason_required")
    with transaction.atomic():
        goal = (
            Goal.objects.select_for_update(of=("self",))
            .select_related("customer", "test")
            .get(pk=goal.pk)
        )
        if goal.status == Goal.Status.DROPPED:
            raise Conflict("this goal was dropped already", code="dropped")
        now = timezone.now()
        goal.dropped_at, goal.dropped_by, goal.drop_reason = now, actor, reason[:500]
        goal.save(update_fields=["dropped_at", "dropped_by", "drop_reason"])
        evaluate(goal, now)
        if care_sees(record, goal):
            tell_care_team(goal.customer_id, "goal", goal.pk)
    if record.by_other:
        record_access(actor, [goal.customer], "change", "goals", "http")
    return goal


# --- reading ----------------------------------------------------------------------------


# --- evaluated again --------------------------------------------------------------------


@receiver(results_written, dispatch_uid="advice.goals.results_written")
def _on_results_written(
    sender: Any, customer_id: int, result_ids: list[int], **kwargs: Any
) -> None:
    """Results changed: the customer's target goals on those tests are evaluated again
    (after the commit that stored them); the care team hears of a status that changed on
    a goal it sees. The results are stored already: a failure here is logged, and the
    hourly evaluation catches up."""
    try:
        _evaluate_goals_on(customer_id, result_ids)
    except Exception:
        logger.exception("goals of customer %s not evaluated after results", customer_id)


# The customer's goals in force on the tests of the results written (PostgreSQL: written
# once as SQL, as this runs after every result a check-in writes).
_GOALS_ON = f"""
SELECT g.id FROM {Goal._meta.db_table} g
 WHERE g.customer_id = %s AND g.accepted_at IS NOT NULL AND g.dropped_at IS NULL
   AND g.test_id IN (SELECT r.test_id FROM {Result._meta.db_table} r WHERE r.id = ANY(%s))
"""  # noqa: S608  (table names come from the models; values are parameters)


def _evaluate_goals_on(customer_id: int, result_ids: list[int]) -> None:
    # One query when the customer has no goal on those tests (most writes).
    goals = Goal.objects.select_related("customer").filter(customer_id=customer_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_GOALS_ON, [customer_id, list(result_ids)])
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return
        goals = goals.filter(pk__in=ids)
    else:
        written = Result.objects.filter(pk__in=result_ids).values("test_id")
        goals = goals.filter(
            test_id__in=written, accepted_at__isnull=False, dropped_at__isnull=True
        )
    changed = [goal for goal in goals if evaluate(goal)]
    if changed:
        shared = set(shared_tests(customer_id, {g.test_id for g in changed if g.test_id}))
        for goal in changed:
            if goal.test_id in shared:
                tell_care_team(customer_id, "goal", goal.pk)


def shared_tests(customer_id: int, test_ids: set[int]) -> list[int]:
    """Those of ``test_ids`` whose results the customer's care team sees."""
    customer = User.objects.get(pk=customer_id)
    record = open_record(customer, customer_id)
    return [
        pk
        for pk in test_ids
        if pk in record.index.by_id and record.care_sees(record.index.by_id[pk])
    ]


def evaluate_active_goals(now: dt.datetime | None = None, batch: int = 500) -> int:
    """Every active goal evaluated again (a due date passed, a habit's day or week turned,
    the pace of a target moved). Returns how many changed status."""
    now = now or timezone.now()
    changed = 0
    ids = list(Goal.objects.filter(status=Goal.Status.ACTIVE).values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        for goal in Goal.objects.select_related("customer").filter(
            pk__in=ids[start : start + batch]
        ):
            changed += evaluate(goal, now)
    return changed
