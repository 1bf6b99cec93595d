"""Evaluating alert rules: on a value when it is written, on time by the schedule.

Rules on values run in the request that wrote the value, after its commit
(``profiles.signals.results_written`` for results, ``advice.signals.checked_in`` for
mood); rules that time alone can make true (missing data, a mean whose window slides)
run on the schedule (``sweep``, hourly, over customers in batches).

Nothing is evaluated for a customer nobody of a care team may watch now (no care team,
or consent to care not standing), on a test whose results the customer keeps from the
care team (a derived test's audience is narrowed to its sources'), or from a check-in
that is not shared with the care team: an alert is never raised on data the care team
may not see.

A rule fires:
- ``above``: the latest result is at or above the threshold; ``below``: under it (the
  reference ranges' convention: high from ``high``, low under ``low``);
- ``mean_above`` / ``mean_below``: the mean of the results taken over the last ``days``
  days (at least two) is at or above / under the threshold;
- ``drop`` / ``rise``: the latest result differs from the earlier one taken closest to
  ``days`` before it (within ``max(1, days / 7)`` days either side) by more than the
  threshold, in percent of the earlier value; no earlier result in that span, no change;
- ``missing``: nothing taken for more than ``days`` days, counted from the later of the
  last result and the day consent to care was given (a new customer has ``days`` days
  before their first). Without a test, ``missing`` counts check-ins shared with the care
  team, and ``below`` / ``mean_below`` read mood check-ins (1 to 5).

One alert not resolved per rule and customer (the partial unique constraint
``one_open_alert_per_rule``): firing while one is open updates it (``last_seen_at``,
``count``, ``value``); two evaluations at once raise it once (``raise_alert``). A
condition that no longer holds leaves the alert as it is: a professional resolves it.
A rule does not fire again on data a professional already resolved: only data recorded
after the last resolution raises it again (the schedule would otherwise raise every hour
what a professional just resolved).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import User
from accounts.roles import CARE_ROLES
from advice import alert_reads as reads
from advice.alert_facts import read_facts
from advice.alert_rules import MOOD_KINDS, TIME_KINDS, Kind, applying_rules
from advice.models import Alert, AlertRule, CareTeamMember, CheckIn
from advice.signals import checked_in
from advice.topics import tell_care_team
from profiles.catalogue import Subject, catalogue, effective_audiences, subjects_of_many
from profiles.models import Audience, Consent, Result, TestAudience
from profiles.permissions import Relation
from profiles.signals import results_written

logger = logging.getLogger(__name__)

SHARED = Audience.CARE_TEAM
MIN_VALUES_FOR_MEAN = 2
BATCH = 500


@dataclass
class Firing:
    """A rule's condition holds: the value it found and what it was computed from."""

    value: float
    detail: dict[str, Any]
    # When the newest data it was computed from was recorded (a rule resolved after it
    # does not fire again on the same data).
    newest: dt.datetime | None


@dataclass
class Watch:
    """One customer as the rules see them: the tests shared with the care team, their
    subject as the care team sees it, and since when consent to care stands."""

    customer_id: int
    shared_tests: set[int]
    subject: Subject
    consent_since: dt.datetime
    now: dt.datetime = field(default_factory=timezone.now)
    # The professionals who may watch the customer, when read already (whom an alert tells).
    watchers: list[int] | None = None
    _latest: dict[int, tuple[int, float, dt.datetime, dt.datetime] | None] = field(
        default_factory=dict
    )

    def latest(self, test_id: int) -> tuple[int, float, dt.datetime, dt.datetime] | None:
        """(id, value, taken_at, recorded_at) of the latest current result of a test."""
        if test_id not in self._latest:
            self._latest[test_id] = reads.latest_result(self.customer_id, test_id)
        return self._latest[test_id]


def tolerance(days: int) -> dt.timedelta:
    return dt.timedelta(days=max(1, round(days / 7)))


# --- the default rules, cached ------------------------------------------------------

# Default rules change rarely (admins): each process keeps them until the rules' version
# moves (``advice_alertrule_version``, a sequence bumped after each commit that saves or
# deletes a rule, read in the statement of an evaluation's facts), at most
# ``ALERT_DEFAULTS_SECONDS`` (30 s; the tests: 0, as each test rolls its rules back), and
# forgets them at once after a change it made itself (``forget_default_rules``).
_defaults: tuple[float, int | None, list[AlertRule]] = (0.0, None, [])
VERSION_SEQUENCE = "advice_alertrule_version"


def default_rules(version: int | None = None) -> list[AlertRule]:
    """The active defaults, as read at most ``ALERT_DEFAULTS_SECONDS`` ago and, when the
    caller read the rules' ``version``, at that version."""
    global _defaults
    read_at, seen, rules = _defaults
    if (
        read_at == 0.0
        or time.monotonic() - read_at >= settings.ALERT_DEFAULTS_SECONDS
        or (version is not None and version != seen)
    ):
        rules = list(AlertRule.objects.filter(customer__isnull=True, active=True))
        _defaults = (time.monotonic(), version, rules)
    return rules


def _bump_version() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [VERSION_SEQUENCE])


@receiver(post_save, sender=AlertRule)
@receiver(post_delete, sender=AlertRule)
def forget_default_rules(sender: Any, **kwargs: Any) -> None:
    """This process reads the rules again at once; the others once the change is
    committed (the version moves then: read before, they would keep the old rules)."""
    global _defaults
    _defaults = (0.0, None, [])
    transaction.on_commit(_bump_version, robust=True)


# --- the rule kinds -------------------------------------------------------------------


def check_rule_on(rule: AlertRule, watch: Watch) -> Firing | None:
    """Whether ``rule`` fires for the customer now (a few queries at most)."""
    if rule.test_id is None:
        return _check_mood(rule, watch)
    if rule.test_id not in watch.shared_tests:
        return None
    if rule.kind == Kind.MISSING:
        latest = watch.latest(rule.test_id)
        return _missing(rule, watch, latest[2] if latest else None)
    if rule.kind in (Kind.MEAN_ABOVE, Kind.MEAN_BELOW):
        after = watch.now - dt.timedelta(days=rule.days or 0)
        return _mean(rule, reads.results_mean(watch.customer_id, rule.test_id, after, watch.now))
    latest = watch.latest(rule.test_id)
    if latest is None:
        return None
    pk, value, _, recorded_at = latest
    if rule.kind in (Kind.ABOVE, Kind.BELOW):
        if _crosses(rule, value):
            return Firing(value, {"results": [pk]}, recorded_at)
        return None
    return _change(rule, watch, latest)


def _crosses(rule: AlertRule, value: float) -> bool:
    assert rule.threshold is not None
    above = rule.kind in (Kind.ABOVE, Kind.MEAN_ABOVE)
    return value >= rule.threshold if above else value < rule.threshold


def _mean(rule: AlertRule, found: dict[str, Any]) -> Firing | None:
    if found["n"] < MIN_VALUES_FOR_MEAN or found["mean"] is None:
        return None
    mean = round(float(found["mean"]), 4)
    if not _crosses(rule, mean):
        return None
    return Firing(mean, {"mean": mean, "count": found["n"], "days": rule.days}, found["newest"])


def _change(
    rule: AlertRule, watch: Watch, latest: tuple[int, float, dt.datetime, dt.datetime]
) -> Firing | None:
    pk, value, taken_at, recorded_at = latest
    days = rule.days or 0
    target = taken_at - dt.timedelta(days=days)
    span = tolerance(days)
    assert rule.test_id is not None  # a change watches a test
    earlier = reads.results_between(
        watch.customer_id,
        rule.test_id,
        target - span,
        min(target + span, taken_at - dt.timedelta(seconds=1)),
    )
    if not earlier:
        return None
    before_pk, before, _ = min(earlier, key=lambda row: (abs(row[2] - target), -row[0]))
    if before <= 0:
        return None
    change = (value - before) / before * 100
    moved = -change if rule.kind == Kind.DROP else change
    assert rule.threshold is not None
    if moved <= rule.threshold:
        return None
    percent = round(moved, 2)
    return Firing(percent, {"results": [before_pk, pk], "percent": percent}, recorded_at)


def _missing(rule: AlertRule, watch: Watch, last: dt.datetime | None) -> Firing | None:
    since = max(last, watch.consent_since) if last else watch.consent_since
    quiet = watch.now - since
    if quiet <= dt.timedelta(days=rule.days or 0):
        return None
    days = quiet.days
    return Firing(float(days), {"since": since.isoformat(), "days": days}, since)


def _check_mood(rule: AlertRule, watch: Watch) -> Firing | None:
    if rule.kind not in MOOD_KINDS:
        return None
    if rule.kind == Kind.MISSING:
        return _missing(
            rule, watch, reads.last_shared_check_in(watch.customer_id, watch.shared_tests)
        )
    if rule.kind == Kind.MEAN_BELOW:
        after = watch.now - dt.timedelta(days=rule.days or 0)
        return _mean(rule, reads.moods_mean(watch.customer_id, after))
    latest = reads.latest_mood(watch.customer_id)
    if latest is None:
        return None
    pk, mood, recorded_at = latest
    if mood is None or not _crosses(rule, float(mood)):
        return None
    return Firing(float(mood), {"check_ins": [pk]}, recorded_at)


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


# --- who is watched -------------------------------------------------------------------


def shared_tests(customer_ids: list[int]) -> dict[int, set[int]]:
    """The tests each customer shares with their care team (a derived test narrowed to its
    sources'). Two queries, however many customers."""
    tests = catalogue()
    chosen: dict[int, dict[int, str]] = {pk: {} for pk in customer_ids}
    for customer_id, test_id, audience in TestAudience.objects.filter(
        customer_id__in=customer_ids
    ).values_list("customer_id", "test_id", "audience"):
        chosen[customer_id][test_id] = audience
    out = {}
    for pk in customer_ids:
        audiences = effective_audiences(
            {t.pk: chosen[pk].get(t.pk, t.default_audience) for t in tests}, tests
        )
        out[pk] = {t for t, audience in audiences.items() if audience == SHARED}
    return out


def watched(customer_ids: list[int]) -> dict[int, dt.datetime]:
    """Of ``customer_ids``, those a care team may watch now (an active professional in
    their care team, consent to care standing), with when that consent was given. One
    query for any number."""
    return dict(
        Consent.objects.filter(
            customer_id__in=customer_ids,
            purpose=Consent.Purpose.CARE,
            withdrawn_at__isnull=True,
            customer__care_team__professional__is_active=True,
            customer__care_team__professional__role__in=CARE_ROLES,
        )
        .values_list("customer_id", "granted_at")
        .distinct()
    )


def watches(
    customer_ids: list[int], now: dt.datetime | None = None, *, subjects: bool = True
) -> dict[int, Watch]:
    """Of ``customer_ids``, those a care team may watch now, each with the tests they share
    with it and (``subjects``) their sex and age as the care team sees them. A few queries
    for any number."""
    now = now or timezone.now()
    consents = watched(customer_ids) if customer_ids else {}
    if not consents:
        return {}
    ids = sorted(consents)
    tests = shared_tests(ids)
    seen: dict[int, Subject] = {pk: Subject() for pk in ids}
    if subjects:
        customers = list(User.objects.filter(pk__in=ids).only("pk", "time_zone"))
        seen.update({pk: s.seen for pk, s in subjects_of_many(customers, Relation.CARE).items()})
    return {pk: Watch(pk, tests[pk], seen[pk], consents[pk], now) for pk in ids}


def evaluate(
    watch: Watch,
    rules: Iterable[AlertRule],
) -> list[Alert]:
    raised = []
    for rule in rules:
        firing = check_rule_on(rule, watch)
        if firing is not None:
            alert = raise_alert(rule, watch.customer_id, firing, watch.watchers)
            if alert is not None:
                raised.append(alert)
    return raised


def _watches_written(test_ids: set[int] | None, mood: bool) -> Any:
    def watches_this(rule: AlertRule) -> bool:
        if rule.kind == Kind.MISSING:
            return False
        return rule.test_id in (test_ids or ()) if rule.test_id is not None else mood

    return watches_this


def evaluate_written(
    customer_id: int, test_ids: set[int] | None, mood: bool = False
) -> list[Alert]:
    """The rules on values that watch what was just written: the tests ``test_ids`` (of
    results), or mood. The rules are found first: a write no rule watches costs two
    queries (the customer's own rules; the defaults are cached); a customer's sex and
    birth date are read only when a rule with a scope watches what was written. (On
    PostgreSQL the receivers use ``evaluate_facts``: one statement before the rules.)"""
    watches_this = _watches_written(test_ids, mood)
    defaults = [r for r in default_rules() if watches_this(r)]
    own = [r for r in AlertRule.objects.filter(customer_id=customer_id) if watches_this(r)]
    if not defaults and not [r for r in own if r.active]:
        return []
    scoped = any(r.sex != AlertRule.Sex.ANY or r.age_min or r.age_max for r in defaults)
    watch = watches([customer_id], subjects=scoped).get(customer_id)
    if watch is None:
        return []
    rules = applying_rules(
        customer_id, watch.subject, defaults=defaults, own=own, now=watch.now
    ).rules
    return evaluate(watch, rules)


def evaluate_facts(customer_id: int, result_ids: list[int] | None) -> list[Alert]:
    """``evaluate_written`` from one statement (``advice.alert_facts``): the results
    ``result_ids`` just written, or (None) a mood shared with the care team. Nothing more
    is read for a customer nobody may watch or a write no rule watches; the customer's
    own rules only when they have some."""
    facts = read_facts(customer_id, result_ids)
    if not facts.watched:
        return []
    mood = result_ids is None
    watches_this = _watches_written(facts.written_tests, mood)
    defaults = [r for r in default_rules(facts.rules_version) if watches_this(r)]
    own = []
    if facts.has_own_rules:
        own = [r for r in AlertRule.objects.filter(customer_id=customer_id) if watches_this(r)]
    if not defaults and not [r for r in own if r.active]:
        return []
    assert facts.consent_since is not None  # watched says so
    watch = Watch(
        customer_id,
        facts.shared_tests,
        facts.subject,
        facts.consent_since,
        watchers=facts.watchers,
    )
    rules = applying_rules(
        customer_id, watch.subject, defaults=defaults, own=own, now=watch.now
    ).rules
    return evaluate(watch, rules)


@receiver(results_written)
def on_results_written(sender: Any, customer_id: int, result_ids: list[int], **kwargs: Any) -> None:
    """After the commit of new or corrected results: the rules on those tests. A failure
    here never fails the write (it is stored); the schedule's next run catches time rules."""
    try:
        if connection.vendor == "postgresql":
            evaluate_facts(customer_id, list(result_ids))
            return
        test_ids = set(
            Result.objects.filter(pk__in=result_ids, superseded_at__isnull=True).values_list(
                "test_id", flat=True
            )
        )
        if test_ids:
            evaluate_written(customer_id, test_ids)
    except Exception:
        logger.exception("alert rules failed on results of customer %s", customer_id)


@receiver(checked_in)
def on_checked_in(sender: Any, customer_id: int, check_in_id: int, **kwargs: Any) -> None:
    """After the commit of a check-in: the mood rules, if it is a mood shared with the
    care team (a private check-in raises nothing). The signal says what the check-in is;
    a sender that does not is read."""
    try:
        if "audience" in kwargs and "kind" in kwargs:
            shared_mood = (
                kwargs["kind"] == CheckIn.Kind.MOOD
                and kwargs["audience"] == SHARED
                and kwargs.get("mood") is not None
            )
        else:
            shared_mood = CheckIn.objects.filter(
                pk=check_in_id,
                customer_id=customer_id,
                audience=SHARED,
                kind=CheckIn.Kind.MOOD,
                mood__isnull=False,
            ).exists()
        if not shared_mood:
            return
        if connection.vendor == "postgresql":
            evaluate_facts(customer_id, None)
        else:
            evaluate_written(customer_id, None, mood=True)
    except Exception:
        logger.exception("alert rules failed on a check-in of customer %s", customer_id)


# --- the schedule ---------------------------------------------------------------------


def sweep(batch: int = BATCH, now: dt.datetime | None = None) -> int:
    """The rules time alone can make true, for every customer a care team may watch, in
    batches of ``batch`` customers (a few queries per batch, then a few per customer and
    rule), as of ``now``. Returns how many alerts were raised or seen again."""
    now = now or timezone.now()
    defaults = list(
        AlertRule.objects.filter(customer__isnull=True, active=True, kind__in=TIME_KINDS)
    )
    fired = 0
    after = 0
    while True:
        ids = list(
            CareTeamMember.objects.filter(customer_id__gt=after)
            .order_by("customer_id")
            .values_list("customer_id", flat=True)
            .distinct()[:batch]
        )
        if not ids:
            return fired
        after = ids[-1]
        found = watches(ids, now)
        own: dict[int, list[AlertRule]] = {}
        for rule in AlertRule.objects.filter(customer_id__in=list(found)):
            own.setdefault(rule.customer_id or 0, []).append(rule)
        for customer_id, watch in found.items():
            rules = applying_rules(
                customer_id, watch.subject, defaults=defaults, own=own.get(customer_id, [])
            ).rules
            fired += len(evaluate(watch, [r for r in rules if r.kind in TIME_KINDS]))
