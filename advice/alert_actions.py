"""Reading alerts, acknowledging and resolving them.

A professional sees the alerts of the customers in their care (consent to care standing)
about tests those customers share with the care team, and mood alerts (made only from
check-ins shared with it). An alert whose customer withdrew consent, or whose test they
now keep to themselves, is no longer shown, nor acted on: it is hidden, not resolved (it
shows again if they share again, as the data it came from does). The customer reads the
alerts about them, notes included (as in their download: what is written about them is
theirs to read). Every read by a professional is in
the customer's access log.

The care team's dietitian answers them (a medical provider reads them: 403 on an answer).
Acknowledging says "seen, on it" (a note is optional); resolving closes the alert and
needs a note saying why (what was done, or why nothing is needed). Either is told to the
care team live (``care.activity``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.audit import record_access
from accounts.models import User
from accounts.roles import CARE_ROLES, Role
from advice.alert_watch import shared_tests
from advice.models import Alert, CareTeamMember
from advice.topics import tell_care_team
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from profiles.permissions import customers_in_care

NOTE_MAX = 1000
PAGE_MAX = 200
STATUSES = {
    "unresolved": (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED),
    "open": (Alert.Status.OPEN,),
    "acknowledged": (Alert.Status.ACKNOWLEDGED,),
    "resolved": (Alert.Status.RESOLVED,),
    "all": tuple(Alert.Status.values),
}


@dataclass
class Seen:
    """The customers whose alerts a viewer sees, and the tests of each."""

    customers: list[int]
    tests: dict[int, set[int]]
    own: bool

    def shows(self, alert: Alert) -> bool:
        test_id = alert.rule.test_id
        return alert.customer_id in self.tests and (
            test_id is None or test_id in self.tests[alert.customer_id]
        )


def seen_by(viewer: User, customer_id: int | None) -> Seen:
    """A professional: the customers in their care (or the one asked for, 404 if not);
    anyone else: themselves."""
    if viewer.role not in CARE_ROLES:
        if customer_id not in (None, viewer.pk):
            raise NotFound("no such customer in your care")
        return Seen([viewer.pk], {viewer.pk: set()}, own=True)
    if customer_id is not None:
        wanted = [customer_id]
    else:
        wanted = list(
            CareTeamMember.objects.filter(professional=viewer).values_list("customer_id", flat=True)
        )
    allowed = sorted(customers_in_care(viewer, wanted))
    if customer_id is not None and not allowed:
        raise NotFound("no such customer in your care")
    return Seen(allowed, shared_tests(allowed), own=False)


def visible_alerts(seen: Seen) -> QuerySet[Alert]:
    """The alerts ``seen`` allows, narrowed in SQL by customer and test."""
    if seen.own:
        return Alert.objects.filter(customer_id__in=seen.customers)
    allowed = Q(rule__test__isnull=True)
    by_test: dict[frozenset[int], list[int]] = {}
    for customer_id, shared in seen.tests.items():
        by_test.setdefault(frozenset(shared), []).append(customer_id)
    shown = Q(pk__in=[])
    for tests, customers in by_test.items():
        shown |= Q(customer_id__in=customers) & (allowed | Q(rule__test_id__in=sorted(tests)))
    return Alert.objects.filter(shown)


def list_alerts(
    viewer: User,
    *,
    customer_id: int | None = None,
    status: str = "unresolved",
    before: int | None = None,
    limit: int = 50,
    door: str = "http",
) -> list[Alert]:
    """Newest first, at most ``limit`` (200); ``before``: the id of the last one shown."""
    if status not in STATUSES:
        raise ServiceError(
            f"status is one of {', '.join(STATUSES)}", code="invalid_field", field="status"
        )
    seen = seen_by(viewer, customer_id)
    if not seen.customers:
        return []
    found = visible_alerts(seen).filter(status__in=STATUSES[status])
    if customer_id is not None:
        found = found.filter(customer_id=customer_id)
    if before is not None:
        found = found.filter(pk__lt=before)
    alerts = list(
        found.select_related(
            "rule", "rule__test", "customer", "acknowledged_by", "resolved_by"
        ).order_by("-raised_at", "-id")[: max(1, min(limit, PAGE_MAX))]
    )
    if not seen.own:
        customers = sorted(
            {a.customer_id for a in alerts} | ({customer_id} if customer_id else set())
        )
        record_access(viewer, customers, "list", "alerts", door)
    return alerts


def _alert_for(actor: User, alert_id: int) -> Alert:
    alert = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("rule", "rule__test")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None or actor.role not in CARE_ROLES:
        raise NotFound("no such alert")
    allowed = customers_in_care(actor, [alert.customer_id])
    if not allowed:
        raise NotFound("no such alert")
    seen = Seen(sorted(allowed), shared_tests(sorted(allowed)), own=False)
    if not seen.shows(alert):
        raise NotFound("no such alert")
    if actor.role != Role.DIETITIAN:
        # A medical provider reads the alerts they may see (the issue: a read-only view).
        raise Forbidden("your care team's dietitian acknowledges and resolves alerts")
    return alert


def _note(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise ServiceError(
            f"a note is at most {NOTE_MAX} characters", code="too_long", field="note"
        )
    return text


def acknowledge_alert(
    actor: User, alert_id: int, note: str | None = None, door: str = "http"
) -> Alert:
    text = _note(note)
    with transaction.atomic():
        alert = _alert_for(actor, alert_id)
        if alert.status != Alert.Status.OPEN:
            raise Conflict(f"this alert is {alert.status} already", code="not_open")
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        if text:
            alert.note = text
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "note"])
        record_access(actor, [alert.customer_id], "acknowledge", "alerts", door)
        tell_care_team(alert.customer_id, "alert", alert.pk)
    return alert


def resolve_alert(actor: User, alert_id: int, note: str | None, door: str = "http") -> Alert:
    text = _note(note)
    if not text:
        raise ServiceError(
            "say how it was resolved (a note is required)", code="note_required", field="note"
        )
    with transaction.atomic():
        alert = _alert_for(actor, alert_id)
        if alert.status == Alert.Status.RESOLVED:
            raise Conflict("this alert is resolved already", code="not_open")
        now = timezone.now()
        alert.status = Alert.Status.RESOLVED
        alert.resolved_by = actor
        alert.resolved_at = now
        if alert.acknowledged_at is None:
            alert.acknowledged_by, alert.acknowledged_at = actor, now
        alert.note = (f"{alert.note}\n{text}" if alert.note else text)[:NOTE_MAX]
        alert.save(
            update_fields=[
                "status",
                "resolved_by",
                "resolved_at",
                "acknowledged_by",
                "acknowledged_at",
                "note",
            ]
        )
        record_access(actor, [alert.customer_id], "resolve", "alerts", door)
        tell_care_team(alert.customer_id, "alert", alert.pk)
    return alert


def alert_out(alert: Alert) -> dict[str, Any]:
    """An alert as the API shows it."""
    rule = alert.rule
    test = rule.test

    def person(user: User | None) -> dict[str, Any] | None:
        return {"id": user.pk, "name": user.public_name()} if user is not None else None

    return {
        "id": alert.pk,
        "customer": person(alert.customer),
        "rule": {
            "id": rule.pk,
            "name": rule.name,
            "kind": rule.kind,
            "test": test.code if test else None,
            "threshold": rule.threshold,
            "days": rule.days,
        },
        "severity": rule.severity,
        "status": alert.status,
        "value": alert.value,
        "unit": _unit(alert),
        "raised_at": alert.raised_at,
        "last_seen_at": alert.last_seen_at,
        "count": alert.count,
        "acknowledged_by": person(alert.acknowledged_by),
        "acknowledged_at": alert.acknowledged_at,
        "resolved_by": person(alert.resolved_by),
        "resolved_at": alert.resolved_at,
        "note": alert.note,
    }


def _unit(alert: Alert) -> str:
    """What ``value`` counts: the test's unit, percent of change, days, or mood."""
    kind = alert.rule.kind
    if kind in ("drop", "rise"):
        return "%"
    if kind == "missing":
        return "d"
    return alert.rule.test.unit if alert.rule.test else "mood"
