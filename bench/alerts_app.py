"""The alerts scenario, inside the app: results and mood check-ins written one after the
other through the real service path in one process, each evaluated against the alert
rules after its commit, as in a request (``profiles.results.record_result``, whose
``results_written`` runs ``advice.alerts``; a mood check-in is stored and
``advice.signals.checked_in`` sent as the check-in service does).

The driver (``bench/alerts.py``, from ``bench/run.py``) makes a fresh database and
migrates it (the shipped default rules included); ``main`` runs inside the app
(``manage.py shell``) with production settings (PostgreSQL, Redis). It makes a dietitian
with ``CUSTOMERS`` customers in their care, each with a weight seeded a week ago (so "2%
lost in a week" has something to compare with), then writes the same pattern of values
twice, on two sets of customers:

1. the reference: the same writes with the alert receivers disconnected (what a write
   costs without rules);
2. ours: with every shipped default rule evaluated on each write.

The pattern has planned crossings (a systolic pressure from 180, a weight more than 2%
under the week-old one, a low mood) among ordinary values; the expected alerts are
computed by the driver independently of the server's code (one per customer and rule
that crossed at least once, seen again once per further crossing), then compared with
the ``Alert`` rows. The evaluation's own time is measured around the receivers, and its
queries counted on a sample; a cProfile of a sample names where the time goes.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from advice import alerts
from advice.models import Alert, CareTeamMember, CheckIn
from advice.signals import checked_in
from profiles.models import Consent, MedicalTest, Result
from profiles.results import record_result
from profiles.signals import results_written

CUSTOMERS = int(os.environ.get("BENCH_ALERTS_CUSTOMERS", "200"))
WRITES = int(os.environ.get("BENCH_ALERTS_WRITES", "4000"))
TARGET_PER_SECOND = 1000.0
WEEK_OLD_WEIGHT = 80.0


def plan(customers: list[int], writes: int, seed: int = 13) -> list[tuple[int, str, float]]:
    """(customer, what, value) in order: what is "systolic", "weight" or "mood"."""
    rng = random.Random(seed)
    out = []
    for i in range(writes):
        customer = customers[i % len(customers)]
        roll = rng.random()
        if roll < 0.4:
            value = 185.0 if rng.random() < 0.03 else float(rng.randint(110, 135))
            out.append((customer, "systolic", value))
        elif roll < 0.8:
            value = 77.0 if rng.random() < 0.03 else round(rng.uniform(79.0, 81.0), 1)
            out.append((customer, "weight", value))
        else:
            out.append((customer, "mood", float(1 if rng.random() < 0.03 else rng.randint(3, 5))))
    return out


def expected(pattern: list[tuple[int, str, float]]) -> tuple[int, int]:
    """(alerts, times fired) the shipped defaults should give for the pattern: systolic
    from 180; a weight more than 2% under the week-old 80 kg; the mean systolic over 14
    days from 140 (two values or more); the mean mood over 7 days under 2.5."""
    fired: dict[tuple[int, str], int] = {}
    systolic: dict[int, list[float]] = {}
    moods: dict[int, list[float]] = {}

    def fire(customer: int, rule: str) -> None:
        fired[(customer, rule)] = fired.get((customer, rule), 0) + 1

    for customer, what, value in pattern:
        if what == "systolic":
            seen = systolic.setdefault(customer, [])
            seen.append(value)
            if value >= 180:
                fire(customer, "crisis")
            if len(seen) >= 2 and round(sum(seen) / len(seen), 4) >= 140:
                fire(customer, "mean")
        elif what == "weight":
            if (WEEK_OLD_WEIGHT - value) / WEEK_OLD_WEIGHT * 100 > 2:
                fire(customer, "drop")
        else:
            seen = moods.setdefault(customer, [])
            seen.append(value)
            if len(seen) >= 2 and round(sum(seen) / len(seen), 4) < 2.5:
                fire(customer, "mood")
    return len(fired), sum(fired.values())


def make_customers(dietitian: User, count: int, tag: str) -> list[int]:
    week_ago = timezone.now() - timedelta(days=7)
    consent_at = timezone.now() - timedelta(days=1)
    made = User.objects.bulk_create(
        [
            User(
                email=f"alerts-{tag}-{i}@example.org", display_name=f"{tag} {i}", role=Role.CUSTOMER
            )
            for i in range(count)
        ]
    )
    CareTeamMember.objects.bulk_create(
        [CareTeamMember(customer=c, professional=dietitian) for c in made]
    )
    Consent.objects.bulk_create(
        [Consent(customer=c, purpose="care", version="1", granted_at=consent_at) for c in made]
    )
    weight = MedicalTest.objects.get(code="weight")
    Result.objects.bulk_create(
        [
            Result(
                customer=c, test=weight, value=WEEK_OLD_WEIGHT, entered_value="80",
                entered_unit="kg", taken_at=week_ago, source="self", entered_by=c,
            )
            for c in made
        ]
    )  # fmt: skip
    return [c.pk for c in made]


def write_all(
    pattern: list[tuple[int, str, float]], users: dict[int, User], offset: int = 0
) -> float:
    """Writes the pattern one after the other, a second apart from ``offset`` seconds after
    two hours ago; returns the seconds it took."""
    start_at = timezone.now() - timedelta(hours=2)
    units = {"systolic": "mm[Hg]", "weight": "kg"}
    started = time.perf_counter()
    for i, (customer_id, what, value) in enumerate(pattern):
        moment = start_at + timedelta(seconds=i + offset)
        customer = users[customer_id]
        if what == "mood":
            made = CheckIn.objects.create(
                customer=customer, kind=CheckIn.Kind.MOOD, mood=int(value), at=moment
            )
            checked_in.send(CheckIn, customer_id=customer_id, check_in_id=made.pk)
        else:
            record_result(
                customer,
                customer_id,
                test_code=what,
                value=value,
                unit=units[what],
                taken_at=moment,
            )
    return time.perf_counter() - started


class Timed:
    """The alert receivers, timed: the evaluation's own cost, apart from the write's."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        # While set, the queries the receivers make are counted (a sample: counting costs).
        self.counting = False
        self.queries = 0
        self.counted_calls = 0

    def _run(self, receiver: Any, sender: Any, kwargs: dict[str, Any]) -> None:
        if self.counting:
            with CaptureQueriesContext(connection) as queries:
                receiver(sender, **kwargs)
            self.queries += len(queries.captured_queries)
            self.counted_calls += 1
            return
        started = time.perf_counter()
        receiver(sender, **kwargs)
        self.seconds += time.perf_counter() - started
        self.calls += 1

    def results(self, sender: Any, **kwargs: Any) -> None:
        self._run(alerts.on_results_written, sender, kwargs)

    def check_in(self, sender: Any, **kwargs: Any) -> None:
        self._run(alerts.on_checked_in, sender, kwargs)


def disconnect_receivers() -> None:
    results_written.disconnect(alerts.on_results_written)
    checked_in.disconnect(alerts.on_checked_in)


def profile_sample(pattern: list[tuple[int, str, float]], users: dict[int, User]) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    write_all(pattern, users, offset=len(pattern))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    return out.getvalue()


def round_trip_ms(times: int = 500) -> float:
    """The mean time of ``SELECT 1`` through Django's cursor: the floor of every query."""
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for _ in range(times):
            cursor.execute("SELECT 1")
            cursor.fetchone()
    return (time.perf_counter() - started) / times * 1000


def main() -> None:
    out_path = Path(os.environ["BENCH_ALERTS_OUT"])
    dietitian = User.objects.create(
        email="alerts-dietitian@example.org", display_name="Dietitian", role=Role.DIETITIAN
    )
    reference_ids = make_customers(dietitian, CUSTOMERS, "reference")
    our_ids = make_customers(dietitian, CUSTOMERS, "ours")
    sample_ids = make_customers(dietitian, 20, "sample")
    users = {u.pk: u for u in User.objects.filter(pk__in=reference_ids + our_ids + sample_ids)}

    timed = Timed()
    disconnect_receivers()
    reference = plan(reference_ids, WRITES)
    reference_seconds = write_all(reference, users)
    results_written.connect(timed.results)
    checked_in.connect(timed.check_in)
    ours = plan(our_ids, WRITES)
    our_seconds = write_all(ours, users)
    want_alerts, want_fired = expected(ours)
    got = Alert.objects.filter(customer_id__in=our_ids)
    got_alerts = got.count()
    got_fired = sum(got.values_list("count", flat=True))

    # Queries per evaluation, and where the time goes, on a sample of customers.
    sample = plan(sample_ids, 400, seed=7)
    timed.counting = True
    write_all(sample[:200], users)
    timed.counting = False
    profile = profile_sample(sample[200:], users)

    writes = len(ours)
    rtt = round_trip_ms()
    result = {
        "customers": CUSTOMERS,
        "writes": writes,
        "reference_seconds": reference_seconds,
        "our_seconds": our_seconds,
        "reference_per_second": writes / reference_seconds,
        "our_per_second": writes / our_seconds,
        "evaluations": timed.calls,
        "evaluation_seconds": timed.seconds,
        "evaluations_per_second": timed.calls / timed.seconds if timed.seconds else 0.0,
        "queries_per_evaluation": timed.queries / max(1, timed.counted_calls),
        "expected_alerts": want_alerts,
        "alerts": got_alerts,
        "expected_fired": want_fired,
        "fired": got_fired,
        "target": TARGET_PER_SECOND,
        "round_trip_ms": rtt,
        "profile": profile,
    }
    out_path.write_text(json.dumps(result, indent=2))
