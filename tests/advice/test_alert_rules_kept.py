"""The default rules a process keeps: read again once a rule changed anywhere (the rules'
version moves after the commit), kept while nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from advice import alerts
from advice.alert_facts import read_facts
from advice.models import AlertRule

pytestmark = pytest.mark.postgres  # the version is a PostgreSQL sequence


def names(rules: list[AlertRule]) -> set[str]:
    return {r.name for r in rules}


def test_kept_until_a_rule_changes_elsewhere(settings: Any, cared: User) -> None:
    settings.ALERT_DEFAULTS_SECONDS = 3600
    version = read_facts(cared.pk).rules_version
    assert "Low mood over a week" in names(alerts.default_rules(version))
    # Another process switches the rule off (no signal in this one) ...
    AlertRule.objects.filter(name="Low mood over a week").update(active=False)
    assert "Low mood over a week" in names(alerts.default_rules(version))  # kept
    alerts._bump_version()  # ... and its commit moves the version
    moved = read_facts(cared.pk).rules_version
    assert moved != version
    assert "Low mood over a week" not in names(alerts.default_rules(moved))


@pytest.mark.django_db(transaction=True)
def test_saving_a_rule_moves_the_version_once_committed(settings: Any, cared: User) -> None:
    settings.ALERT_DEFAULTS_SECONDS = 3600
    before = read_facts(cared.pk).rules_version
    default = AlertRule.objects.get(name="Low mood over a week")
    default.threshold = 2.0
    default.save()
    after = read_facts(cared.pk).rules_version
    assert after is not None and after != before
    (kept,) = [r for r in alerts.default_rules(after) if r.pk == default.pk]
    assert kept.threshold == 2.0
