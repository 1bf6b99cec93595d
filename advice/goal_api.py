"""Goals over HTTP (thin: the rules are in ``advice.goals``)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts.bounds import BoundedDate, Id
from accounts.permissions import acting_user, signed_in_user
from accounts.schemas import Input
from advice import goal_reads, goals
from advice.write_limits import charge_care_write
from core.http import private_no_store

router = Router(tags=["goals"])
# Goals tell of a customer's health: no cache keeps an answer.
router.add_decorator(private_no_store, mode="view")


class GoalIn(Input):
    customer_id: Id | None = Field(default=None, description="default: me")
    kind: Literal["target", "habit"]
    title: str = Field(default="", max_length=200, description="default: said from the goal")
    # A target on a test.
    test: str | None = Field(default=None, max_length=40, description="the catalogue's code")
    comparison: Literal["lt", "lte", "gt", "gte"] | None = None
    target: float | None = Field(default=None, allow_inf_nan=False, description="in ``unit``")
    unit: str | None = Field(default=None, max_length=32, description="default: the test's")
    # A habit.
    habit: str | None = Field(default=None, max_length=120)
    times: int | None = Field(default=None, ge=1, le=50)
    period: Literal["day", "week"] | None = None
    remind_at: time | None = Field(default=None, description="local time (HH:MM)")
    due_on: BoundedDate | None = None
    plan_id: Id | None = None


class DropIn(Input):
    reason: str = Field(max_length=500, description="why (required)")


class PersonOut(Schema):
    id: int
    name: str


class GoalTestOut(Schema):
    code: str
    name: str
    unit: str
    unit_label: str
    decimals: int


class LatestOut(Schema):
    value: float
    taken_at: datetime | None


class GoalOut(Schema):
    id: int
    customer_id: int
    kind: str
    title: str
    status: str
    progress: float
    at_risk: bool
    missed: int
    set_by: PersonOut | None
    proposed_by_care_team: bool
    plan_id: int | None
    test: GoalTestOut | None
    comparison: str | None
    target: float | None = Field(description="in the test's canonical unit")
    baseline: float | None
    latest: LatestOut | None
    habit: str | None
    times: int | None
    period: str | None
    remind_at: time | None
    done: int | None = Field(description="a habit's check-ins this period (local)")
    starts_on: date
    due_on: date | None
    accepted_at: datetime | None
    dropped_at: datetime | None
    dropped_by: PersonOut | None
    drop_reason: str
    achieved_at: datetime | None
    evaluated_at: datetime | None
    created_at: datetime


class GoalsQuery(Schema):
    customer_id: Id | None = None
    status: str | None = Field(default=None, max_length=12)


@router.get("/goals", response=list[GoalOut])
def list_goals(request: HttpRequest, query: Query[GoalsQuery]) -> list[dict[str, Any]]:
    """A customer's goals (default: mine), as the caller may see them: the care team sees
    habits and targets on the tests shared with it (audited)."""
    user = signed_in_user(request)
    return goal_reads.goals_of(user, query.customer_id or user.pk, query.status)


@router.post("/goals", response={201: GoalOut})
def create_goal(request: HttpRequest, payload: GoalIn) -> Status[dict[str, Any]]:
    """A customer's own goal (active at once), or a professional's proposal to a customer
    in their care (``proposed`` until the customer accepts)."""
    user = acting_user(request)
    charge_care_write(user)
    fields = payload.model_dump(exclude={"customer_id"})
    goal = goals.set_goal(user, payload.customer_id or user.pk, **fields)
    return Status(201, goal_reads.goal_detail(user, goal.pk))


@router.get("/goals/{goal_id}", response=GoalOut)
def get_goal(request: HttpRequest, goal_id: int) -> dict[str, Any]:
    user = signed_in_user(request)
    return goal_reads.goal_detail(user, goal_id)


@router.post("/goals/{goal_id}/accept", response=GoalOut)
def accept_goal(request: HttpRequest, goal_id: int) -> dict[str, Any]:
    """The customer accepts a goal proposed to them: it starts today."""
    user = acting_user(request)
    goals.accept_goal(user, goal_id)
    return goal_reads.goal_detail(user, goal_id)


@router.post("/goals/{goal_id}/drop", response=GoalOut)
def drop_goal(request: HttpRequest, goal_id: int, payload: DropIn) -> dict[str, Any]:
    """The customer or a professional of their care team drops a goal, saying why."""
    user = acting_user(request)
    charge_care_write(user)
    goals.drop_goal(user, goal_id, payload.reason)
    return goal_reads.goal_detail(user, goal_id)
