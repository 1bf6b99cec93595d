"""Plain helpers for the tests of alert rules and alerts: a customer in a dietitian's care
since some days ago, results written through the service, rules made directly."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accounts.models import User
from advice.models import AlertRule, CareTeamMember, CheckIn
from advice.signals import checked_in
from profiles.models import Consent, MedicalTest
from tests.helpers import bearer


def ago(days: float = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days, hours=hours)


def into_care(customer: User, professional: User, since_days: float = 60) -> None:
    """In the care team, with consent to care given ``since_days`` ago."""
    CareTeamMember.objects.create(customer=customer, professional=professional)
    Consent.objects.create(
        customer=customer, purpose=Consent.Purpose.CARE, version="1", granted_at=ago(since_days)
    )


def rule(name: str = "rule", **fields: Any) -> AlertRule:
    code = fields.pop("test", None)
    if code is not None:
        fields["test"] = MedicalTest.objects.get(code=code)
    return AlertRule.objects.create(name=name, **fields)


def check_in_mood(
    customer: User, mood: int, audience: str = "care_team", days: float = 0
) -> CheckIn:
    """A mood check-in, told as the check-in service tells it (after its commit)."""
    made = CheckIn.objects.create(
        customer=customer, kind=CheckIn.Kind.MOOD, mood=mood, audience=audience, at=ago(days)
    )
    checked_in.send(CheckIn, customer_id=customer.pk, check_in_id=made.pk)
    return made


def post(client: Any, actor: User, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, body or {}, content_type="application/json", **bearer(actor))


def patch(client: Any, actor: User, path: str, body: dict[str, Any]) -> Any:
    return client.patch(path, body, content_type="application/json", **bearer(actor))


def get(client: Any, actor: User, path: str) -> Any:
    return client.get(path, **bearer(actor))
