"""Check-ins over HTTP (thin: the rules are in ``advice.checkins``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts import limits
from accounts.bounds import BoundedDatetime, Id
from accounts.permissions import signed_in_user
from accounts.schemas import Input
from advice import checkins
from core.http import private_no_store

router = Router(tags=["check-ins"])
# Check-ins tell of a customer's health: no cache keeps an answer.
router.add_decorator(private_no_store, mode="view")


class CheckInIn(Input):
    kind: Literal["habit", "meal", "mood", "symptom", "measurement"]
    at: BoundedDatetime | None = Field(default=None, description="default: now")
    client_id: str = Field(default="", max_length=64, description="a retry is stored once")
    audience: Literal["care_team", "private"] = "care_team"
    goal_id: Id | None = Field(default=None, description="a habit: one of my active goals")
    mood: int | None = Field(default=None, ge=1, le=5)
    symptoms: list[str] = Field(default_factory=list, max_length=12)
    note: str = Field(default="", max_length=500)
    test: str | None = Field(default=None, max_length=40, description="a measurement")
    value: float | None = Field(default=None, allow_inf_nan=False)
    unit: str | None = Field(default=None, max_length=32)


class GoalRefOut(Schema):
    id: int
    title: str
    habit: str


class MeasurementOut(Schema):
    result_id: int
    test: str
    value: float
    unit: str
    unit_label: str
    entered_value: str
    entered_unit: str


class CheckInOut(Schema):
    id: int
    kind: str
    at: datetime
    recorded_at: datetime
    audience: str
    client_id: str | None
    goal: GoalRefOut | None
    mood: int | None
    symptoms: list[str]
    note: str
    measurement: MeasurementOut | None


class CheckInPageOut(Schema):
    items: list[CheckInOut]
    next_before: datetime | None


class CheckInsQuery(Schema):
    customer_id: Id | None = None
    before: BoundedDatetime | None = None
    limit: int = Field(default=50, ge=1, le=200)


class MissedPeriodOut(Schema):
    start: date
    done: int
    times: int


class MissedGoalOut(Schema):
    goal_id: int
    title: str
    habit: str
    period: str
    times: int
    missed: list[MissedPeriodOut]


class MissedOut(Schema):
    customer_id: int
    days: int
    goals: list[MissedGoalOut]


class MissedQuery(Schema):
    customer_id: Id | None = None
    days: int = Field(default=14, ge=1, le=90)


@router.post("/check-ins", response={200: CheckInOut, 201: CheckInOut})
def check_in(request: HttpRequest, payload: CheckInIn) -> Status[dict[str, Any]]:
    """A customer's check-in: 201 stored, or 200 with the one a retry (the same
    ``client_id``) stored first. Counts toward ``CHECK_INS_PER_MINUTE``."""
    user = signed_in_user(request)
    limits.charge(user, "check_in", settings.CHECK_INS_PER_MINUTE, 60)
    item, created = checkins.log_check_in(user, **payload.model_dump())
    return Status(201 if created else 200, checkins.check_in_out(item))


@router.get("/check-ins", response=CheckInPageOut)
def list_check_ins(request: HttpRequest, query: Query[CheckInsQuery]) -> dict[str, Any]:
    """A customer's check-ins, newest first (default: mine); the care team sees those
    shared with it (audited). ``next_before`` gives the next page."""
    user = signed_in_user(request)
    return checkins.check_ins_of(user, query.customer_id or user.pk, query.before, query.limit)


@router.get("/check-ins/missed", response=MissedOut)
def missed(request: HttpRequest, query: Query[MissedQuery]) -> dict[str, Any]:
    """Per habit goal, the local days (or weeks) of the last ``days`` with fewer
    check-ins than asked."""
    user = signed_in_user(request)
    return checkins.missed_check_ins(user, query.customer_id or user.pk, query.days)


@router.delete("/check-ins/{check_in_id}", response={204: None})
def delete_check_in(request: HttpRequest, check_in_id: int) -> Status[None]:
    """The customer's own; a measurement's result stays in the health record."""
    checkins.delete_check_in(signed_in_user(request), check_in_id)
    return Status(204, None)
