"""Reading goals: a customer's list and one goal, as the viewer may see them (the customer
all of theirs; the care team the habits and the targets on tests it sees), each with the
latest value of its test and the check-ins of this day and week in one query; a read by
the care team is in the customer's access log. Setting, accepting and dropping:
``advice.goals``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.audit import record_access
from accounts.models import User
from advice.goal_status import local_midnight, period_start, zone_of
from advice.goals import goal_for
from advice.models import CheckIn, Goal
from core.errors import ServiceError
from profiles.models import Result
from profiles.permissions import Relation
from profiles.records import Record, open_record
from profiles.units import label


def visible_goals(record: Record) -> QuerySet[Goal]:
    goals = Goal.objects.filter(customer=record.customer)
    if record.relation is Relation.SELF:
        return goals
    seen = [t.pk for t in record.visible_tests()]
    return goals.filter(Q(test__isnull=True) | Q(test_id__in=seen))


def annotated(goals: QuerySet[Goal], customer: User, now: dt.datetime) -> QuerySet[Goal]:
    """With the latest value of a target's test and a habit's check-ins this day and this
    week (the customer's own calendar): one query for the whole list."""
    zone = zone_of(customer)
    today = now.astimezone(zone).date()
    day = local_midnight(today, zone)
    week = local_midnight(period_start(Goal.Period.WEEK, today), zone)
    latest = Result.objects.filter(
        customer_id=OuterRef("customer_id"), test_id=OuterRef("test_id"), superseded_at__isnull=True
    ).order_by("-taken_at", "-id")
    # Only check-ins shared with the care team count, as for the stored progress.
    habit = Q(check_ins__kind=CheckIn.Kind.HABIT, check_ins__audience="care_team")
    return goals.select_related("test", "set_by", "dropped_by").annotate(
        latest_value=Subquery(latest.values("value")[:1]),
        latest_taken_at=Subquery(latest.values("taken_at")[:1]),
        done_day=Count("check_ins", filter=habit & Q(check_ins__at__gte=day)),
        done_week=Count("check_ins", filter=habit & Q(check_ins__at__gte=week)),
        plan_published_version=F("plan__published_version"),
    )


def goals_of(viewer: User, customer_id: int, status: str | None = None) -> list[dict[str, Any]]:
    """The customer's goals as ``viewer`` may see them, newest first (a read by the care
    team is in the customer's access log)."""
    record = open_record(viewer, customer_id)
    goals = visible_goals(record)
    if status:
        if status not in Goal.Status.values:
            raise ServiceError("not a goal status", code="invalid_field", field="status")
        goals = goals.filter(status=status)
    rows = list(annotated(goals, record.customer, timezone.now()).order_by("-created_at", "-id"))
    if record.by_other:
        record_access(viewer, [record.customer], "read", "goals", "http")
    return [goal_out(g, record) for g in rows]


def goal_detail(viewer: User, goal_id: int) -> dict[str, Any]:
    goal, record = goal_for(viewer, goal_id)
    found = annotated(Goal.objects.filter(pk=goal.pk), record.customer, timezone.now()).get()
    if record.by_other:
        record_access(viewer, [record.customer], "read", "goals", "http")
    return goal_out(found, record)


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.public_name()}


def goal_out(goal: Goal, record: Record) -> dict[str, Any]:
    """The goal as ``record``'s viewer reads it: the customer is not shown the id of a
    plan they may not read (a draft)."""
    customer = record.customer
    test = goal.test
    plan_id = goal.plan_id
    if record.relation is Relation.SELF and not getattr(goal, "plan_published_version", 0):
        plan_id = None
    latest = getattr(goal, "latest_value", None)
    done = getattr(goal, "done_week" if goal.period == Goal.Period.WEEK else "done_day", 0)
    return {
        "id": goal.pk,
        "customer_id": goal.customer_id,
        "kind": goal.kind,
        "title": goal.title,
        "status": goal.status,
        "progress": round(goal.progress, 4),
        "at_risk": goal.at_risk,
        "missed": goal.missed,
        "set_by": _person(goal.set_by),
        "proposed_by_care_team": goal.set_by_id not in (None, goal.customer_id),
        "plan_id": plan_id,
        "test": None
        if test is None
        else {
            "code": test.code,
            "name": test.name(customer.locale),
            "unit": test.unit,
            "unit_label": label(test.unit),
            "decimals": test.decimals,
        },
        "comparison": goal.comparison or None,
        "target": goal.target,
        "baseline": goal.baseline,
        "latest": None
        if test is None or latest is None
        else {"value": latest, "taken_at": getattr(goal, "latest_taken_at", None)},
        "habit": goal.habit or None,
        "times": goal.times,
        "period": goal.period or None,
        "remind_at": goal.remind_at,
        "done": done if goal.kind == Goal.Kind.HABIT else None,
        "starts_on": goal.starts_on,
        "due_on": goal.due_on,
        "accepted_at": goal.accepted_at,
        "dropped_at": goal.dropped_at,
        "dropped_by": _person(goal.dropped_by),
        "drop_reason": goal.drop_reason,
        "achieved_at": goal.achieved_at,
        "evaluated_at": goal.evaluated_at,
        "created_at": goal.created_at,
    }
