"""Fixtures of the advice tests: a dietitian, a customer in their care, and results
written through the service with what runs after the commit run too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import User
from accounts.roles import Role
from advice.models import AlertRule
from profiles.models import Result
from profiles.results import record_result
from tests.advice.alert_helpers import ago, into_care


@pytest.fixture
def dietitian(make_user: Callable[..., User]) -> User:
    return make_user(Role.DIETITIAN, display_name="Dana")


@pytest.fixture
def cared(make_user: Callable[..., User], dietitian: User) -> User:
    """A customer in the dietitian's care, with consent to care for 60 days."""
    customer = make_user(display_name="Casey")
    into_care(customer, dietitian)
    return customer


@pytest.fixture
def no_defaults(db: None) -> None:
    """The shipped default rules switched off: a test watches only its own rules."""
    AlertRule.objects.filter(customer__isnull=True).update(active=False)


@pytest.fixture
def write(django_capture_on_commit_callbacks: Any) -> Callable[..., Result]:
    """A result as the customer enters it, its receivers run after the commit."""

    def write(
        customer: User,
        test: str,
        value: float,
        unit: str,
        days: float = 0,
        actor: User | None = None,
    ) -> Result:
        with django_capture_on_commit_callbacks(execute=True):
            return record_result(
                actor or customer,
                customer.pk,
                test_code=test,
                value=value,
                unit=unit,
                taken_at=ago(days),
            )

    return write
