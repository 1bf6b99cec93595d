"""Alert rules and alerts over HTTP (``advice.alert_rules``, ``advice.alert_actions``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts.audit import record_access
from accounts.bounds import Id
from accounts.models import User
from accounts.permissions import acting_user, signed_in_user
from accounts.roles import CARE_ROLES, Role
from accounts.schemas import Input, Patch
from advice import alert_actions, alert_rules
from advice.models import AlertRule
from advice.write_limits import charge_care_write
from core.errors import Forbidden, NotFound
from profiles.catalogue import subjects_of
from profiles.permissions import Relation, relation_to
from profiles.records import customer_or_404

router = Router(tags=["alerts"])

Kind = Literal["above", "below", "mean_above", "mean_below", "drop", "rise", "missing"]
Severity = Literal["info", "warning", "critical"]
Sex = Literal["any", "female", "male"]


class RuleIn(Input):
    # For one customer (a professional of their care team); absent: a default (admins).
    customer_id: Id | None = None
    # The default this rule replaces for that customer (its test and kind are taken).
    overrides_id: Id | None = None
    name: str = Field(default="", max_length=200)
    kind: Kind | None = None
    # A test's code; absent: the rule watches mood check-ins (or, missing, any check-in).
    test: str | None = Field(default=None, max_length=40)
    threshold: float | None = None
    days: int | None = Field(default=None, ge=-(2**31), le=2**31)
    severity: Severity = "warning"
    active: bool = True
    sex: Sex = "any"
    age_min: int | None = Field(default=None, ge=-(2**31), le=2**31)
    age_max: int | None = Field(default=None, ge=-(2**31), le=2**31)


class RulePatch(Patch):
    # null clears these (a missing-data rule has no threshold; a plain one no days);
    # the others cannot be empty.
    clearable = frozenset({"threshold", "days", "age_min", "age_max"})

    name: str | None = Field(default=None, max_length=200)
    threshold: float | None = None
    days: int | None = Field(default=None, ge=-(2**31), le=2**31)
    severity: Severity | None = None
    active: bool | None = None
    sex: Sex | None = None
    age_min: int | None = Field(default=None, ge=-(2**31), le=2**31)
    age_max: int | None = Field(default=None, ge=-(2**31), le=2**31)


class RuleOut(Schema):
    id: int
    name: str
    kind: str
    test: str | None
    unit: str
    threshold: float | None
    days: int | None
    severity: str
    sex: str
    age_min: int | None
    age_max: int | None
    customer_id: int | None
    overrides_id: int | None
    active: bool
    created_at: datetime


class PersonOut(Schema):
    id: int
    name: str


class RuleBriefOut(Schema):
    id: int
    name: str
    kind: str
    test: str | None
    threshold: float | None
    days: int | None


class AlertOut(Schema):
    id: int
    customer: PersonOut
    rule: RuleBriefOut
    severity: str
    status: str
    # What fired it: in the test's unit, percent of change, days without data, or mood.
    value: float | None
    unit: str
    raised_at: datetime
    last_seen_at: datetime
    count: int
    acknowledged_by: PersonOut | None
    acknowledged_at: datetime | None
    resolved_by: PersonOut | None
    resolved_at: datetime | None
    note: str


class NoteIn(Input):
    note: str = Field(default="", max_length=1000)


class AlertsQuery(Schema):
    customer_id: Id | None = None
    status: Literal["unresolved", "open", "acknowledged", "resolved", "all"] = "unresolved"
    before: Id | None = None
    limit: int = Field(default=50, ge=1, le=200)


def rule_out(rule: AlertRule) -> dict[str, Any]:
    kind = rule.kind
    unit = "%" if kind in ("drop", "rise") else ""
    if not unit and kind != "missing":
        unit = rule.test.unit if rule.test else "mood"
    return {
        "id": rule.pk,
        "name": rule.name,
        "kind": kind,
        "test": rule.test.code if rule.test else None,
        "unit": unit,
        "threshold": rule.threshold,
        "days": rule.days,
        "severity": rule.severity,
        "sex": rule.sex,
        "age_min": rule.age_min,
        "age_max": rule.age_max,
        "customer_id": rule.customer_id,
        "overrides_id": rule.overrides_id,
        "active": rule.active,
        "created_at": rule.created_at,
    }


def rules_for(viewer: User, customer_id: int | None) -> list[AlertRule]:
    """The defaults (for professionals and admins), or the rules in force for one
    customer (the customer, or their care team: audited), with their inactive
    overrides."""
    if customer_id is None:
        if viewer.role not in CARE_ROLES and viewer.role != Role.ADMIN:
            raise Forbidden("professionals and admins read the default rules")
        return list(alert_rules.defaults_queryset().order_by("id"))
    customer = customer_or_404(customer_id) if viewer.pk != customer_id else viewer
    relation = relation_to(viewer, customer)
    if relation is Relation.OTHER:
        raise NotFound("no such customer in your care")
    subject = subjects_of(customer, Relation.CARE).seen
    found = alert_rules.applying_rules(customer.pk, subject, include_inactive=True).rules
    if relation is Relation.CARE:
        record_access(viewer, [customer], "list", "alert rules", "http")
    return sorted(found, key=lambda r: r.pk)


@router.get("/alert-rules", response=list[RuleOut])
def list_rules(
    request: HttpRequest, customer_id: int | None = Query(None, ge=1, le=2**63 - 1)
) -> list[dict[str, Any]]:
    """Without ``customer_id``: the defaults. With it: the rules in force for that
    customer (defaults that apply to them, with their overrides in place)."""
    return [rule_out(r) for r in rules_for(signed_in_user(request), customer_id)]


@router.post("/alert-rules", response={201: RuleOut})
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[dict[str, Any]]:
    """A default (admins), or a rule for one customer in your care (overriding a default
    with ``overrides_id``)."""
    user = acting_user(request)
    charge_care_write(user)
    made = alert_rules.create_rule(user, payload.model_dump(exclude_unset=True))
    return Status(201, rule_out(made))


@router.patch("/alert-rules/{rule_id}", response=RuleOut)
def change_rule(request: HttpRequest, rule_id: int, payload: RulePatch) -> dict[str, Any]:
    user = acting_user(request)
    charge_care_write(user)
    return rule_out(alert_rules.update_rule(user, rule_id, payload.model_dump(exclude_unset=True)))


@router.delete("/alert-rules/{rule_id}", response={204: None})
def delete_rule(request: HttpRequest, rule_id: int) -> Status[None]:
    user = acting_user(request)
    charge_care_write(user)
    alert_rules.delete_rule(user, rule_id)
    return Status(204, None)


@router.get("/alerts", response=list[AlertOut])
def list_alerts(request: HttpRequest, query: Query[AlertsQuery]) -> list[dict[str, Any]]:
    """Newest first. A professional: the alerts of customers in their care they may see
    (``customer_id`` for one); a customer: the alerts about them. ``status``:
    ``unresolved`` (open or acknowledged, the default), ``open``, ``acknowledged``,
    ``resolved`` or ``all``; ``before``: the last id shown, for the next page."""
    found = alert_actions.list_alerts(signed_in_user(request), **query.model_dump())
    return [alert_actions.alert_out(a) for a in found]


@router.post("/alerts/{alert_id}/acknowledge", response=AlertOut)
def acknowledge(request: HttpRequest, alert_id: int, payload: NoteIn) -> dict[str, Any]:
    """Seen, on it (a note is optional). Professionals of the customer's care team."""
    user = acting_user(request)
    charge_care_write(user)
    alert = alert_actions.acknowledge_alert(user, alert_id, payload.note)
    return alert_actions.alert_out(alert)


@router.post("/alerts/{alert_id}/resolve", response=AlertOut)
def resolve(request: HttpRequest, alert_id: int, payload: NoteIn) -> dict[str, Any]:
    """Closed, with a note saying why (required)."""
    user = acting_user(request)
    charge_care_write(user)
    alert = alert_actions.resolve_alert(user, alert_id, payload.note)
    return alert_actions.alert_out(alert)
