"""Plain helpers for the tests of goals, check-ins and reminders: a customer in a
dietitian's care, the API calls, and results stored as rows at given moments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from accounts.models import User
from advice.models import CheckIn, Goal
from profiles.models import MedicalTest, Result
from tests.helpers import api_json, bearer
from tests.profiles.results_helpers import into_care

__all__ = ["api_json", "into_care"]


def post(client: Client, actor: User, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, body or {}, content_type="application/json", **bearer(actor))


def get(client: Client, actor: User, path: str) -> Any:
    return client.get(path, **bearer(actor))


def created(client: Client, actor: User, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = post(client, actor, path, body)
    assert response.status_code == 201, response.content
    return dict(api_json(response))


def result(customer: User, code: str, value: float, taken_at: dt.datetime) -> Result:
    """A result stored as a row (its moment anywhere in time, unlike the API's)."""
    test = MedicalTest.objects.get(code=code)
    return Result.objects.create(
        customer=customer, test=test, value=value, entered_value=str(value),
        entered_unit=test.unit, taken_at=taken_at, source=Result.Source.SELF,
        entered_by=customer,
    )  # fmt: skip


def habit_goal(
    customer: User,
    *,
    times: int = 1,
    period: str = "day",
    starts_on: dt.date,
    remind_at: dt.time | None = None,
    due_on: dt.date | None = None,
    habit: str = "Drink a glass of water",
) -> Goal:
    """A habit goal the customer set themselves (active), as a row."""
    return Goal.objects.create(
        customer=customer, set_by=customer, kind=Goal.Kind.HABIT, title=habit, habit=habit,
        times=times, period=period, remind_at=remind_at, starts_on=starts_on, due_on=due_on,
        accepted_at=dt.datetime.combine(starts_on, dt.time(0, 0), dt.UTC),
        status=Goal.Status.ACTIVE,
    )  # fmt: skip


def done(goal: Goal, *moments: dt.datetime) -> None:
    """The habit checked in at these moments, as rows."""
    CheckIn.objects.bulk_create(
        [CheckIn(customer_id=goal.customer_id, goal=goal, kind="habit", at=m) for m in moments]
    )
