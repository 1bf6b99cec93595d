"""Plain helpers for the care plan tests: a customer put in a professional's care, an API
call as a member, its answer checked, and a plan written and published by a dietitian
through the API."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from advice.models import CareTeamMember
from profiles.models import Consent
from tests.helpers import api_json, bearer


def in_care(customer: User, professional: User) -> None:
    CareTeamMember.objects.get_or_create(customer=customer, professional=professional)
    Consent.objects.get_or_create(customer=customer, purpose=Consent.Purpose.CARE, version="1")


def call(client: Any, method: str, actor: User, path: str, body: dict | None = None) -> Any:
    send = getattr(client, method.lower())
    if body is None:
        return send("/api" + path, **bearer(actor))
    return send("/api" + path, body, content_type="application/json", **bearer(actor))


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return api_json(response)


def published_plan(client: Any, dietitian: User, customer: User, **words: Any) -> dict:
    """A plan for ``customer`` (in ``dietitian``'s care), published: its answer."""
    made = ok(
        call(client, "POST", dietitian, "/care-plans", {"customer_id": customer.pk, **words}), 201
    )
    return ok(call(client, "POST", dietitian, f"/care-plans/{made['id']}/publish"))
