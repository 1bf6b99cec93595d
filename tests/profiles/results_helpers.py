"""Plain helpers for the tests of medical tests and results: a care team with consent,
the sex and birth date ranges depend on, and the API calls the tests make."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from accounts.models import User
from advice.models import CareTeamMember
from profiles.catalogue import BIRTH_DATE_KEY, SEX_KEY
from profiles.models import Attribute, Audience, Consent, ProfileValue, Result
from tests.helpers import api_json, bearer

# A moment in the past every test can count from.
T0 = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)


def at(days: float = 0, hours: float = 0) -> str:
    return (T0 + dt.timedelta(days=days, hours=hours)).isoformat()


def into_care(customer: User, professional: User, consent: bool = True) -> None:
    """The professional in the customer's care team, with the customer's care consent."""
    CareTeamMember.objects.create(customer=customer, professional=professional)
    if consent:
        Consent.objects.create(customer=customer, purpose="care", version="1")


def set_profile(customer: User, sex: str | None = None, birth_date: str | None = None) -> None:
    """The profile values the ranges depend on (the attributes made if missing)."""
    for key, kind, value in ((SEX_KEY, "choice", sex), (BIRTH_DATE_KEY, "date", birth_date)):
        if value is None:
            continue
        attribute, _ = Attribute.objects.get_or_create(
            key=key, defaults={"labels": {"en": key}, "kind": kind}
        )
        ProfileValue.objects.update_or_create(
            customer=customer,
            attribute=attribute,
            defaults={"value": value, "audience": Audience.CARE_TEAM},
        )


def add(
    client: Client,
    actor: User,
    customer: User,
    test: str,
    value: float,
    unit: str,
    taken_at: str,
    note: str = "",
) -> Any:
    return client.post(
        f"/api/customers/{customer.pk}/results",
        {"test": test, "value": value, "unit": unit, "taken_at": taken_at, "note": note},
        content_type="application/json",
        **bearer(actor),
    )


def added(
    client: Client,
    actor: User,
    customer: User,
    test: str,
    value: float,
    unit: str,
    taken_at: str,
    note: str = "",
) -> dict[str, Any]:
    response = add(client, actor, customer, test, value, unit, taken_at, note)
    assert response.status_code == 201, response.content
    return dict(api_json(response))


def get(client: Client, actor: User, path: str) -> Any:
    return client.get(path, **bearer(actor))


def post(client: Client, actor: User, path: str, body: Any) -> Any:
    return client.post(path, body, content_type="application/json", **bearer(actor))


def current(customer: User, test: str) -> list[tuple[dt.datetime, float]]:
    """The customer's current values of a test, oldest first."""
    return list(
        Result.objects.filter(customer=customer, test__code=test, superseded_at__isnull=True)
        .order_by("taken_at")
        .values_list("taken_at", "value")
    )
