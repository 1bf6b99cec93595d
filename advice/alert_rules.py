"""Alert rules: what to watch, checked when written, and which rules apply to a customer.

A default (``customer`` null) is the admins' and applies to every customer its scope
matches (sex, age band ``[age_min, age_max)`` in years); a rule with an age band does not
apply to a customer whose birth date the care team cannot see, and one for a sex not to a
customer whose sex it cannot see: rules the care team runs depend only on what the care
team may read (``profiles.catalogue.subjects_of``). The dietitian of the customer's care
team writes a rule for one customer (a medical provider of it reads them), which may
override a default (``overrides``): the override takes the default's test and kind, and
replaces it for that customer (an inactive override switches the default off for them).

Bounds, refused with a 400 naming the field and nothing stored: a threshold on a test
within the test's plausible range (in its canonical unit), on mood 1 to 5, a change in
percent over 0 and at most 50; ``days`` from 1 to 365 for means, changes and missing
data (and none for a plain threshold); a missing-data rule has no threshold.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from advice.models import Alert, AlertRule
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from profiles.catalogue import Subject
from profiles.models import MedicalTest
from profiles.permissions import Relation, relation_to

Kind = AlertRule.Kind
# Kinds that compare a value (the latest, or a mean) with a threshold in the test's unit.
VALUE_KINDS = {Kind.ABOVE, Kind.BELOW, Kind.MEAN_ABOVE, Kind.MEAN_BELOW}
CHANGE_KINDS = {Kind.DROP, Kind.RISE}
# Kinds that look back over ``days``.
WINDOW_KINDS = {Kind.MEAN_ABOVE, Kind.MEAN_BELOW, Kind.DROP, Kind.RISE, Kind.MISSING}
# Kinds that can change with time alone: the schedule runs them (``advice.alerts``).
TIME_KINDS = {Kind.MEAN_ABOVE, Kind.MEAN_BELOW, Kind.MISSING}
# A rule without a test watches mood check-ins (1 low to 5 great), or (missing) any
# check-in shared with the care team.
MOOD_KINDS = {Kind.BELOW, Kind.MEAN_BELOW, Kind.MISSING}
MOOD_MIN, MOOD_MAX = 1, 5
PERCENT_MAX = 50.0
DAYS_MAX = 365
AGE_MAX = 130

EDITABLE = ("name", "threshold", "days", "severity", "active", "sex", "age_min", "age_max")


def _bad(message: str, field: str, code: str = "invalid_field") -> ServiceError:
    return ServiceError(message, code=code, field=field)


def check_rule(rule: AlertRule) -> None:
    """Refuses a rule that cannot be evaluated or watches an impossible value."""
    if not rule.name.strip():
        raise _bad("give the rule a name", "name")
    if rule.kind not in Kind.values:
        raise _bad(f"kind is one of {', '.join(Kind.values)}", "kind")
    if rule.severity not in AlertRule.Severity.values:
        raise _bad(f"severity is one of {', '.join(AlertRule.Severity.values)}", "severity")
    if rule.sex not in AlertRule.Sex.values:
        raise _bad(f"sex is one of {', '.join(AlertRule.Sex.values)}", "sex")
    test: MedicalTest | None = rule.test if rule.test_id else None
    if test is None and rule.kind not in MOOD_KINDS:
        raise _bad("without a test, a rule watches mood: below, mean_below or missing", "test")
    if rule.kind in WINDOW_KINDS:
        if rule.days is None or not 1 <= rule.days <= DAYS_MAX:
            raise _bad(f"days must be from 1 to {DAYS_MAX}", "days", "out_of_range")
    elif rule.days is not None:
        raise _bad("a rule on the latest value looks back over no days", "days")
    _check_threshold(rule, test)
    for bound in ("age_min", "age_max"):
        value = getattr(rule, bound)
        if value is not None and not 0 <= value <= AGE_MAX:
            raise _bad(f"an age is from 0 to {AGE_MAX}", bound, "out_of_range")
    if rule.age_min is not None and rule.age_max is not None and rule.age_min >= rule.age_max:
        raise _bad("age_max must be over age_min", "age_max", "out_of_range")


def _check_threshold(rule: AlertRule, test: MedicalTest | None) -> None:
    value = rule.threshold
    if rule.kind == Kind.MISSING:
        if value is not None:
            raise _bad("a missing-data rule has no threshold, only days", "threshold")
        return
    if value is None or not math.isfinite(value):
        raise _bad("give a threshold", "threshold")
    if rule.kind in CHANGE_KINDS:
        if not 0 < value <= PERCENT_MAX:
            raise _bad(
                f"a change is a percentage over 0 and at most {PERCENT_MAX:g}",
                "threshold",
                "out_of_range",
            )
    elif test is None:
        if not MOOD_MIN <= value <= MOOD_MAX:
            raise _bad(f"mood is from {MOOD_MIN} to {MOOD_MAX}", "threshold", "out_of_range")
    elif not test.plausible_min <= value <= test.plausible_max:
        raise _bad(
            f"{test.name()} is from {test.plausible_min:g} to {test.plausible_max:g} "
            f"{test.unit}: this threshold can never be reached",
            "threshold",
            "implausible",
        )


# --- who may write which rule ---------------------------------------------------------


def check_can_write_rule(actor: User, customer_id: int | None) -> None:
    """Defaults are the admins'; a customer's own rules their care team's dietitian's
    (consent to care standing). A medical provider of the care team reads them (403 on a
    write: the issue's providers have a read-only view); anyone else is told there is no
    such customer, as on the health record."""
    if customer_id is None:
        if actor.role != Role.ADMIN:
            raise Forbidden("admins manage the default rules")
        return
    customer = User.objects.filter(pk=customer_id, erased_at__isnull=True).first()
    if customer is None or relation_to(actor, customer) is not Relation.CARE:
        raise NotFound("no such customer in your care")
    if actor.role != Role.DIETITIAN:
        raise Forbidden("your care team's dietitian sets this customer's alert rules")


def create_rule(actor: User, fields: dict[str, Any]) -> AlertRule:
    """A default (admins), or a rule for one customer, overriding a default or not."""
    customer_id = fields.get("customer_id")
    check_can_write_rule(actor, customer_id)
    overrides_id = fields.get("overrides_id")
    rule = AlertRule(created_by=actor, customer_id=customer_id)
    if overrides_id is not None:
        if customer_id is None:
            raise _bad("an override is for one customer: give customer_id", "customer_id")
        default = AlertRule.objects.filter(pk=overrides_id, customer__isnull=True).first()
        if default is None:
            raise NotFound("no such default rule", field="overrides_id")
        rule.overrides = default
        rule.test_id, rule.kind = default.test_id, default.kind
        for name in ("name", "threshold", "days", "severity"):
            setattr(rule, name, fields.get(name, getattr(default, name)))
    else:
        code = fields.get("test")
        if code:
            test = MedicalTest.objects.filter(code=code, retired_at__isnull=True).first()
            if test is None:
                raise _bad(f"no test {code!r} in the catalogue", "test", "unknown_test")
            rule.test = test
        for name in ("name", "kind", "threshold", "days", "severity"):
            if name in fields:
                setattr(rule, name, fields[name])
    for name in ("active", "sex", "age_min", "age_max"):
        if name in fields:
            setattr(rule, name, fields[name])
    if customer_id is not None and (rule.sex != AlertRule.Sex.ANY or rule.age_min or rule.age_max):
        raise _bad("a rule for one customer has no scope of sex or age", "sex")
    rule.name = (rule.name or "").strip()[:200]
    check_rule(rule)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise Conflict(
            "this customer has an override of that rule already: change it",
            code="duplicate",
            field="overrides_id",
        ) from None
    return rule


def rule_for_change(actor: User, rule_id: int, lock: bool = False) -> AlertRule:
    """The rule ``actor`` may change (locked till the transaction ends, with ``lock``);
    404 for one they may not, in the same words as for one that does not exist."""
    found = AlertRule.objects.select_related("test").filter(pk=rule_id)
    rule = (found.select_for_update(of=("self",)) if lock else found).first()
    if rule is None:
        raise NotFound("no such rule")
    try:
        check_can_write_rule(actor, rule.customer_id)
    except NotFound:
        raise NotFound("no such rule") from None
    return rule


def update_rule(actor: User, rule_id: int, fields: dict[str, Any]) -> AlertRule:
    """Changes what may change (the test and the kind never: make another rule)."""
    with transaction.atomic():
        rule = rule_for_change(actor, rule_id, lock=True)
        for name in EDITABLE:
            if name in fields:
                setattr(rule, name, fields[name])
        if rule.customer_id is not None and (
            rule.sex != AlertRule.Sex.ANY or rule.age_min or rule.age_max
        ):
            raise _bad("a rule for one customer has no scope of sex or age", "sex")
        rule.name = (rule.name or "").strip()[:200]
        check_rule(rule)
        rule.save()
    return rule


def delete_rule(actor: User, rule_id: int) -> None:
    """A rule that never fired is deleted. One with alerts (or a default whose overrides
    have some) is switched off instead, with those overrides: the alerts, their
    acknowledgements and the notes on them are the customers' history
    (``Alert.rule`` is restricted, so nothing else deletes them either)."""
    with transaction.atomic():
        rule = rule_for_change(actor, rule_id, lock=True)
        family = AlertRule.objects.filter(Q(pk=rule.pk) | Q(overrides=rule))
        if Alert.objects.filter(rule__in=family).exists():
            family.update(active=False)
        else:
            family.delete()


# --- which rules apply ----------------------------------------------------------------


def in_scope(rule: AlertRule, subject: Subject, now: dt.datetime) -> bool:
    if rule.sex != AlertRule.Sex.ANY and rule.sex != subject.sex:
        return False
    if rule.age_min is None and rule.age_max is None:
        return True
    age = subject.age_at(now)
    if age is None:
        return False
    return (rule.age_min is None or age >= rule.age_min) and (
        rule.age_max is None or age < rule.age_max
    )


@dataclass
class Applying:
    """The rules in force for one customer, the overridden defaults left out."""

    rules: list[AlertRule]
    # The defaults a rule of this customer replaces (id of default -> the override).
    overridden: dict[int, AlertRule]


def applying_rules(
    customer_id: int,
    subject: Subject,
    *,
    defaults: list[AlertRule] | None = None,
    own: list[AlertRule] | None = None,
    now: dt.datetime | None = None,
    include_inactive: bool = False,
) -> Applying:
    """The active defaults whose scope matches, less those the customer's own rules
    override, plus the customer's own active rules. Two queries (none given them)."""
    now = now or timezone.now()
    if defaults is None:
        defaults = list(
            AlertRule.objects.filter(customer__isnull=True, active=True).select_related("test")
        )
    if own is None:
        own = list(AlertRule.objects.filter(customer_id=customer_id).select_related("test"))
    overridden = {r.overrides_id: r for r in own if r.overrides_id is not None}
    rules = [
        r for r in defaults if r.active and r.pk not in overridden and in_scope(r, subject, now)
    ]
    rules += [r for r in own if r.active or include_inactive]
    return Applying(rules, overridden)


def defaults_queryset() -> Any:
    return AlertRule.objects.filter(customer__isnull=True).select_related("test")


def rules_of_customer(customer_id: int) -> Any:
    return AlertRule.objects.filter(Q(customer_id=customer_id)).select_related("test")
