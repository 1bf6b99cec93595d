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
``count``, ``value``); two evaluations at once raise it once (``advice.alert_raise``). A
condition that no longer holds leaves the alert as it is: a professional resolves it.
A rule does not fire again on data a professional already resolved: only data recorded
after the last resolution raises it again (the schedule would otherwise raise every hour
what a professional just resolved).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from advice import alert_reads as reads
from advice.alert_facts import read_facts
from advice.alert_raise import Firing, raise_alert
from advice.alert_rules import MOOD_KINDS, TIME_KINDS, Kind, applying_rules
from advice.alert_watch import Watch, watches
from advice.models import Alert, AlertRule, CareTeamMember, CheckIn
from advice.signals import checked_in
from profiles.models import Audience, Result
from profiles.signals import results_written

logger = logging.getLogger(__name__)

SHARED = Audience.CARE_TEAM
MIN_VALUES_FOR_MEAN = 2
BATCH = 500


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
