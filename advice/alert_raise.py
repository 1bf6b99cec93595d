"""Raising an alert once: the open alert of a rule for a customer is seen again, or a new
one raised, in one statement on PostgreSQL (the partial unique index
``one_open_alert_per_rule`` lets one of two evaluations at once insert, the other update);
never again on data a professional resolved already. Whom it tells: their care team
(``care.activity``). The rules themselves are evaluated in ``advice.alerts``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from advice.models import Alert, AlertRule
from advice.topics import tell_care_team


@dataclass
class Firing:
    """A rule's condition holds: the value it found and what it was computed from."""

    value: float
    detail: dict[str, Any]
    # When the newest data it was computed from was recorded (a rule resolved after it
    # does not fire again on the same data).
    newest: dt.datetime | None


# --- raising, once --------------------------------------------------------------------


def raise_alert(
    rule: AlertRule, customer_id: int, firing: Firing, watchers: list[int] | None = None
) -> Alert | None:
    """The open alert of this rule for this customer, raised or seen again; None when the
    data it fires on was resolved already. Safe beside another evaluation of the same
    rule: the partial unique constraint lets one insert win; the other updates it. On
    PostgreSQL one statement; ``watchers``: whom to tell, when read already."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        alert = _raise_in_one(rule, customer_id, firing, now)
        if alert is not None:
            tell_care_team(customer_id, "alert", alert.pk, watchers=watchers)
        return alert
    with transaction.atomic():
        for _ in range(2):
            alert = _seen_again(rule, customer_id, firing, now)
            if alert is not None:
                break
            if (
                firing.newest is not None
                and Alert.objects.filter(
                    rule=rule,
                    customer_id=customer_id,
                    status=Alert.Status.RESOLVED,
                    resolved_at__gte=firing.newest,
                ).exists()
            ):
                return None
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(
                        rule=rule,
                        customer_id=customer_id,
                        value=firing.value,
                        detail=firing.detail,
                        raised_at=now,
                        last_seen_at=now,
                    )
                break
            except IntegrityError:  # raised by an evaluation beside this one: update it
                continue
        else:
            return None
        tell_care_team(customer_id, "alert", alert.pk, watchers=watchers)
    return alert


# The open alert seen again; else, unless a professional resolved this rule's alert after
# the newest data it fires on, a new one; an insert beside it (the partial unique index
# ``one_open_alert_per_rule``) turns into seeing that one again.
_RAISE = f"""
WITH seen AS (
    UPDATE {Alert._meta.db_table}
       SET last_seen_at = %(now)s, count = count + 1, value = %(value)s, detail = %(detail)s
     WHERE rule_id = %(rule)s AND customer_id = %(customer)s AND NOT (status = 'resolved')
    RETURNING id, status, raised_at, count
), raised AS (
    INSERT INTO {Alert._meta.db_table}
           (rule_id, customer_id, status, value, detail, raised_at, last_seen_at, count, note)
    SELECT %(rule)s, %(customer)s, 'open', %(value)s, %(detail)s, %(now)s, %(now)s, 1, ''
     WHERE NOT EXISTS (SELECT 1 FROM seen)
       AND NOT EXISTS (
           SELECT 1 FROM {Alert._meta.db_table} r
            WHERE r.rule_id = %(rule)s AND r.customer_id = %(customer)s
              AND r.status = 'resolved' AND r.resolved_at >= %(newest)s)
    ON CONFLICT (rule_id, customer_id) WHERE NOT (status = 'resolved')
    DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at,
                  count = {Alert._meta.db_table}.count + 1,
                  value = EXCLUDED.value,
                  detail = EXCLUDED.detail
    RETURNING id, status, raised_at, count
)
SELECT * FROM seen UNION ALL SELECT * FROM raised
"""  # noqa: S608  (table names come from the models; values are parameters)


def _raise_in_one(
    rule: AlertRule, customer_id: int, firing: Firing, now: dt.datetime
) -> Alert | None:
    params: dict[str, Any] = {
        "rule": rule.pk,
        "customer": customer_id,
        "value": firing.value,
        "detail": json.dumps(firing.detail, cls=DjangoJSONEncoder),
        "now": now,
        "newest": firing.newest,
    }
    with connection.cursor() as cursor:
        cursor.execute(_RAISE, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, status, raised_at, count = row
    return Alert(
        pk=pk,
        rule=rule,
        customer_id=customer_id,
        status=status,
        value=firing.value,
        detail=firing.detail,
        raised_at=raised_at,
        last_seen_at=now,
        count=count,
    )


def _seen_again(
    rule: AlertRule, customer_id: int, firing: Firing, now: dt.datetime
) -> Alert | None:
    open_ = Alert.objects.filter(rule=rule, customer_id=customer_id).exclude(
        status=Alert.Status.RESOLVED
    )
    updated = open_.update(
        last_seen_at=now, count=F("count") + 1, value=firing.value, detail=firing.detail
    )
    return open_.first() if updated else None
