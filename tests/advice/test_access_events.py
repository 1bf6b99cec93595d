"""When a customer withdraws consent to care or leaves a professional's care, each
professional of the care team as it was hears ``care.activity`` with ``what: "access"``
on their own ``user:`` topic (no data: only the customer's id), so their open dashboard
and alert pages read again and drop what the API no longer answers. Nobody else hears."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.roles import Role
from advice import services
from advice.models import CareTeamMember
from profiles import consents
from tests.advice.alert_helpers import into_care

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(monkeypatch) -> list[tuple[str, str, dict[str, Any]]]:
    """What ``advice.services`` publishes (checked against the event's schema as ever)."""
    heard: list[tuple[str, str, dict[str, Any]]] = []
    publish = services.publish_many

    def record(items):
        heard.extend(items)
        return publish(items)

    monkeypatch.setattr(services, "publish_many", record)
    return heard


def access(customer, *pros) -> list[tuple[str, str, dict[str, Any]]]:
    data = {"customer": customer.pk, "what": "access", "id": None}
    return [(f"user:{p.pk}", "care.activity", data) for p in sorted(pros, key=lambda p: p.pk)]


def test_withdrawing_consent_to_care_tells_each_professional_of_the_team(
    told, make_user, django_capture_on_commit_callbacks
):
    customer = make_user(display_name="Casey")
    dietitian, provider = make_user(Role.DIETITIAN), make_user(Role.MEDICAL_PROVIDER)
    into_care(customer, dietitian)
    CareTeamMember.objects.create(customer=customer, professional=provider)
    elsewhere = make_user(Role.DIETITIAN)
    into_care(make_user(), elsewhere)
    with django_capture_on_commit_callbacks(execute=True):
        assert consents.withdraw(customer, "care")
    assert told == access(customer, dietitian, provider)


def test_leaving_the_care_team_tells_the_professional_who_left(
    told, make_user, django_capture_on_commit_callbacks
):
    customer = make_user()
    staying, leaving = make_user(Role.DIETITIAN), make_user(Role.DIETITIAN)
    into_care(customer, staying)
    CareTeamMember.objects.create(customer=customer, professional=leaving)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_from_care_team(customer, customer.pk, leaving.pk)
    assert told == access(customer, leaving)


def test_a_change_that_narrows_nobodys_view_of_a_customer_tells_nobody(
    told, make_user, django_capture_on_commit_callbacks
):
    dietitian = make_user(Role.DIETITIAN)
    into_care(make_user(), dietitian)
    with django_capture_on_commit_callbacks(execute=True):
        dietitian.role = Role.MEDICAL_PROVIDER  # narrows their rights, not about a customer
        dietitian.save()
    assert told == []
