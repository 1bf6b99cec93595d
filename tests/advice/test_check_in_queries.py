"""What a check-in costs in statements, its evaluation against the alert rules included:
the write, whom to tell, then after the commit one statement of what the evaluation needs,
the rule's own read and the raise. A change that reads per rule or per customer again
makes these fail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import User
from advice.checkins import log_check_in
from advice.models import Alert
from tests.advice.alert_helpers import ago

pytestmark = pytest.mark.postgres  # the one-statement reads are PostgreSQL's

# The test settings read the default rules on every evaluation (a process keeps them for
# ALERT_DEFAULTS_SECONDS): one statement more than a server makes.
MOOD = 8
WEIGHT = 25


def test_a_mood_check_in_and_its_evaluation_stay_few_statements(
    cared: User,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    log_check_in(cared, kind="mood", mood=1, at=ago(hours=2))
    with django_assert_max_num_queries(MOOD):
        with django_capture_on_commit_callbacks(execute=True):
            log_check_in(cared, kind="mood", mood=1, at=ago(hours=1))
    (alert,) = Alert.objects.filter(customer=cared)
    assert alert.rule.name == "Low mood over a week"


def test_a_weight_check_in_and_its_evaluation_stay_few_statements(
    cared: User,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        log_check_in(cared, kind="measurement", test="weight", value=80, unit="kg", at=ago(7))
    with django_assert_max_num_queries(WEIGHT):
        with django_capture_on_commit_callbacks(execute=True):
            log_check_in(
                cared, kind="measurement", test="weight", value=77, unit="kg", at=ago(hours=1)
            )
    (alert,) = Alert.objects.filter(customer=cared)
    assert alert.rule.name == "Weight down more than 2% in a week"


def test_a_private_mood_is_not_evaluated(
    cared: User,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    log_check_in(cared, kind="mood", mood=1, at=ago(hours=2))
    with django_assert_max_num_queries(3):  # the savepoint, the insert, its release
        with django_capture_on_commit_callbacks(execute=True):
            log_check_in(cared, kind="mood", mood=1, audience="private", at=ago(hours=1))
    assert not Alert.objects.filter(customer=cared).exists()
