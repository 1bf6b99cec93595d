"""Plain helpers for the tests of the care team's dashboard and notes: customers in care,
alerts, goals, check-ins and messages as the other parts of advice would leave them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.test import Client
from django.utils import timezone

from accounts.models import User
from advice.models import Alert, AlertRule, CheckIn, Goal
from community.messaging.sending import send_direct_message
from community.messaging.services import start_conversation
from profiles.models import MedicalTest, Result, TestAudience
from tests.helpers import api_json, bearer
from tests.profiles.results_helpers import into_care

__all__ = ["into_care"]


def result(customer: User, code: str, value: float, days_ago: float) -> Result:
    test = MedicalTest.objects.get(code=code)
    return Result.objects.create(
        customer=customer,
        test=test,
        value=value,
        entered_value=str(value),
        entered_unit=test.unit,
        taken_at=timezone.now() - dt.timedelta(days=days_ago),
        source=Result.Source.SELF,
        entered_by=customer,
    )


def keep_to_self(customer: User, code: str, audience: str = "only_me") -> None:
    """The customer's choice of who sees a test's results (``care_team``: share it)."""
    TestAudience.objects.update_or_create(
        customer=customer, test=MedicalTest.objects.get(code=code), defaults={"audience": audience}
    )


def alert(
    customer: User, code: str | None, severity: str = "warning", status: str = "open"
) -> Alert:
    test = MedicalTest.objects.get(code=code) if code else None
    rule = AlertRule.objects.create(
        name=f"watch {code or 'mood'}",
        kind=AlertRule.Kind.ABOVE,
        test=test,
        threshold=1.0,
        severity=severity,
    )
    return Alert.objects.create(rule=rule, customer=customer, status=status, value=2.0)


def goal(customer: User, *, missed: int = 0, at_risk: bool = False, status: str = "active",
         code: str | None = None) -> Goal:  # fmt: skip
    fields: dict[str, Any] = (
        {"kind": "target", "test": MedicalTest.objects.get(code=code), "target": 70.0,
         "comparison": "lte"}
        if code else {"kind": "habit", "habit": "water", "times": 1, "period": "day"}
    )  # fmt: skip
    return Goal.objects.create(
        customer=customer, title="a goal", starts_on=dt.date(2024, 1, 1), status=status,
        missed=missed, at_risk=at_risk, **fields,
    )  # fmt: skip


def check_in(customer: User, hours_ago: float, audience: str = "care_team") -> CheckIn:
    return CheckIn.objects.create(
        customer=customer,
        kind=CheckIn.Kind.MOOD,
        mood=3,
        audience=audience,
        at=timezone.now() - dt.timedelta(hours=hours_ago),
    )


def message(sender: User, to: User, text: str) -> Any:
    conversation = start_conversation(sender, [to.pk])
    return send_direct_message(sender, conversation.pk, text, uuid.uuid4().hex)


def board(client: Client, viewer: User, query: str = "") -> Any:
    response = client.get("/api/care/dashboard" + (f"?{query}" if query else ""), **bearer(viewer))
    assert response.status_code == 200, response.content
    return api_json(response)


def rows_by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["customer"]["name"]: row for row in data["items"]}


def value_of(row: dict[str, Any], code: str) -> dict[str, Any]:
    return next(t for t in row["tests"] if t["test"] == code)
