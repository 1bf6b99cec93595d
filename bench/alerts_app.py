"""The alerts scenario, inside the app: check-ins written through the real service
(``advice.checkins.log_check_in``) in one process, each evaluated against the alert rules
by the real receivers after its commit, as in a request: a mood check-in sends
``advice.signals.checked_in``, a measurement check-in (weight, systolic pressure) stores a
result whose ``profiles.signals.results_written`` runs the rules and the goals.

The driver (``bench/alerts.py``, from ``bench/run.py``) makes a fresh database and
migrates it (the shipped default rules included); ``main`` runs inside the app
(``manage.py shell``) with production settings (PostgreSQL, Redis). It makes a dietitian
with ``CUSTOMERS`` customers in their care (consent to care given), each with a weight
seeded a week ago (so "Weight down more than 2% in a week" has something to compare
with), then writes the same pattern of check-ins on separate sets of customers:

1. the reference: the writes with the alert receivers disconnected (what a check-in costs
   without rules), one after the other;
2. ours: the same writes with every shipped default rule evaluated, one after the other;
3. ours, concurrent: the same writes from ``THREADS`` threads of this one process, each
   with its own database connection and its own customers (a customer's check-ins stay
   in order), as a server's worker threads would; and its reference without rules.

The pattern: 40% moods (one customer in ten low, so "Low mood over a week" crosses; one
mood in ten private, which must raise nothing), 40% weights (3% more than 2% under the
week-old weight), 20% systolic pressures (3% from 180, which also moves the two-week
mean). The expected alerts are computed by the driver apart from the server's code (one
per customer and rule that crossed at least once, seen again once per further crossing)
and compared with the ``Alert`` rows. The receivers are timed (the evaluation's own
rate); queries are counted per check-in and per evaluation on a sample, with the time
spent in the database, and a cProfile of a sample names where the time goes.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import random
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from advice import alerts
from advice.checkins import log_check_in
from advice.models import Alert, CareTeamMember
from advice.signals import checked_in
from profiles.models import Consent, MedicalTest, Result
from profiles.signals import results_written

CUSTOMERS = int(os.environ.get("BENCH_ALERTS_CUSTOMERS", "200"))
WRITES = int(os.environ.get("BENCH_ALERTS_WRITES", "4000"))
THREADS = int(os.environ.get("BENCH_ALERTS_THREADS", "4"))
TARGET_PER_SECOND = 1000.0
WEEK_OLD_WEIGHT = 80.0

# (customer, what, value, shared): what is "mood", "weight" or "systolic".
Write = tuple[int, str, float, bool]


def plan(customers: list[int], writes: int, seed: int = 13) -> list[Write]:
    rng = random.Random(seed)
    low = set(customers[::10])
    out: list[Write] = []
    for i in range(writes):
        customer = customers[i % len(customers)]
        roll = rng.random()
        if roll < 0.4:
            mood = rng.randint(1, 2) if customer in low else rng.randint(2, 5)
            out.append((customer, "mood", float(mood), rng.random() >= 0.1))
        elif roll < 0.8:
            value = 77.0 if rng.random() < 0.03 else round(rng.uniform(79.0, 81.0), 1)
            out.append((customer, "weight", value, True))
        else:
            value = 185.0 if rng.random() < 0.03 else float(rng.randint(110, 135))
            out.append((customer, "systolic", value, True))
    return out


def expected(pattern: list[Write]) -> tuple[int, int]:
    """(alerts, times fired) the shipped defaults should give for the pattern: a weight
    more than 2% under the week-old 80 kg; systolic from 180; the mean systolic over 14
    days from 140 (two values or more); the mean of the moods shared with the care team
    over 7 days under 2.5 (two or more). A private mood raises nothing."""
    fired: dict[tuple[int, str], int] = {}
    systolic: dict[int, list[float]] = {}
    moods: dict[int, list[float]] = {}

    def fire(customer: int, rule: str) -> None:
        fired[(customer, rule)] = fired.get((customer, rule), 0) + 1

    for customer, what, value, shared in pattern:
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
        elif shared:
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


UNITS = {"systolic": "mm[Hg]", "weight": "kg"}


def check_in(customer: User, what: str, value: float, shared: bool, moment: datetime) -> None:
    audience = "care_team" if shared else "private"
    if what == "mood":
        log_check_in(customer, kind="mood", mood=int(value), at=moment, audience=audience)
    else:
        log_check_in(
            customer,
            kind="measurement",
            test=what,
            value=value,
            unit=UNITS[what],
            at=moment,
            audience=audience,
        )


def write_all(pattern: list[Write], users: dict[int, User], offset: int = 0) -> float:
    """Writes the pattern one after the other, a second apart from ``offset`` seconds after
    two hours ago; returns the seconds it took."""
    start_at = timezone.now() - timedelta(hours=2)
    started = time.perf_counter()
    for i, (customer_id, what, value, shared) in enumerate(pattern):
        check_in(users[customer_id], what, value, shared, start_at + timedelta(seconds=i + offset))
    return time.perf_counter() - started


def write_concurrently(pattern: list[Write], users: dict[int, User], threads: int) -> float:
    """The pattern from ``threads`` threads of this process, each its own database
    connection and its own customers (each customer's check-ins in the pattern's order);
    returns the seconds from the first start to the last end."""
    start_at = timezone.now() - timedelta(hours=2)
    shares: list[list[tuple[int, Write]]] = [[] for _ in range(threads)]
    for i, write in enumerate(pattern):
        shares[write[0] % threads].append((i, write))
    failures: list[BaseException] = []
    ready = threading.Barrier(threads + 1)

    def run(share: list[tuple[int, Write]]) -> None:
        try:
            connection.ensure_connection()
            ready.wait()
            for i, (customer_id, what, value, shared) in share:
                check_in(users[customer_id], what, value, shared, start_at + timedelta(seconds=i))
        except BaseException as error:  # reported by the caller
            failures.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(share,)) for share in shares]
    for worker in workers:
        worker.start()
    ready.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    if failures:
        raise failures[0]
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


def count_queries(pattern: list[Write], users: dict[int, User]) -> dict[str, float]:
    """Queries per check-in (all of it: the write, its goals, its evaluation, whom to
    tell), the time they took (from sent to answered, as Django's cursor times them) and
    the CPU time of this process, over ``pattern``, by kind. The CPU time bounds what one
    process can do however many threads it runs: Python holds one core at a time."""
    start_at = timezone.now() - timedelta(hours=3)
    per_kind: dict[str, list[int]] = {}
    sql = 0.0
    started, cpu = time.perf_counter(), time.process_time()
    for i, (customer_id, what, value, shared) in enumerate(pattern):
        with CaptureQueriesContext(connection) as queries:
            check_in(users[customer_id], what, value, shared, start_at + timedelta(seconds=i))
        per_kind.setdefault(what, []).append(len(queries.captured_queries))
        sql += sum(float(q["time"]) for q in queries.captured_queries)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    out = {f"queries_{k}": sum(v) / len(v) for k, v in per_kind.items()}
    out["cpu_ms_per_check_in"] = cpu / len(pattern) * 1000
    out["queries_per_check_in"] = sum(sum(v) for v in per_kind.values()) / len(pattern)
    out["ms_per_check_in_sampled"] = total / len(pattern) * 1000
    out["sql_ms_per_check_in"] = sql / len(pattern) * 1000
    return out


def profile_sample(pattern: list[Write], users: dict[int, User]) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    write_all(pattern, users, offset=400)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    out.write("\n--- by own time ---\n")
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    return out.getvalue()


def round_trip_ms(times: int = 500) -> float:
    """The mean time of ``SELECT 1`` through Django's cursor: the floor of every query."""
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for _ in range(times):
            cursor.execute("SELECT 1")
            cursor.fetchone()
    return (time.perf_counter() - started) / times * 1000


def got(customer_ids: list[int]) -> tuple[int, int]:
    rows = Alert.objects.filter(customer_id__in=customer_ids)
    return rows.count(), sum(rows.values_list("count", flat=True))


def main() -> None:
    out_path = Path(os.environ["BENCH_ALERTS_OUT"])
    dietitian = User.objects.create(
        email="alerts-dietitian@example.org", display_name="Dietitian", role=Role.DIETITIAN
    )
    sets = {
        tag: make_customers(dietitian, CUSTOMERS, tag)
        for tag in ("reference", "ours", "reference-threads", "ours-threads")
    }
    sample_ids = make_customers(dietitian, 40, "sample")
    everyone = [pk for ids in sets.values() for pk in ids] + sample_ids
    users = {u.pk: u for u in User.objects.filter(pk__in=everyone)}

    timed = Timed()
    disconnect_receivers()
    reference_seconds = write_all(plan(sets["reference"], WRITES), users)
    reference_threads_seconds = write_concurrently(
        plan(sets["reference-threads"], WRITES), users, THREADS
    )
    results_written.connect(timed.results)
    checked_in.connect(timed.check_in)
    ours = plan(sets["ours"], WRITES)
    our_seconds = write_all(ours, users)
    want_alerts, want_fired = expected(ours)
    got_alerts, got_fired = got(sets["ours"])
    evaluations, evaluation_seconds = timed.calls, timed.seconds
    # Concurrent: the receivers' timing is per thread, so it is left to the run above.
    results_written.disconnect(timed.results)
    checked_in.disconnect(timed.check_in)
    results_written.connect(alerts.on_results_written)
    checked_in.connect(alerts.on_checked_in)
    threaded = plan(sets["ours-threads"], WRITES)
    threads_seconds = write_concurrently(threaded, users, THREADS)
    want_t_alerts, want_t_fired = expected(threaded)
    got_t_alerts, got_t_fired = got(sets["ours-threads"])
    results_written.disconnect(alerts.on_results_written)
    checked_in.disconnect(alerts.on_checked_in)
    results_written.connect(timed.results)
    checked_in.connect(timed.check_in)

    # Queries per check-in and per evaluation, and where the time goes, on a sample.
    sample = plan(sample_ids, 600, seed=7)
    counted = count_queries(sample[:200], users)
    timed.counting = True
    write_all(sample[200:400], users, offset=200)
    timed.counting = False
    profile = profile_sample(sample[400:], users)

    writes = len(ours)
    result = {
        "customers": CUSTOMERS,
        "writes": writes,
        "threads": THREADS,
        "reference_seconds": reference_seconds,
        "our_seconds": our_seconds,
        "reference_per_second": writes / reference_seconds,
        "our_per_second": writes / our_seconds,
        "reference_threads_per_second": writes / reference_threads_seconds,
        "our_threads_per_second": writes / threads_seconds,
        "evaluations": evaluations,
        "evaluation_seconds": evaluation_seconds,
        "evaluations_per_second": evaluations / evaluation_seconds if evaluation_seconds else 0.0,
        "queries_per_evaluation": timed.queries / max(1, timed.counted_calls),
        "expected_alerts": want_alerts,
        "alerts": got_alerts,
        "expected_fired": want_fired,
        "fired": got_fired,
        "expected_threads_alerts": want_t_alerts,
        "threads_alerts": got_t_alerts,
        "expected_threads_fired": want_t_fired,
        "threads_fired": got_t_fired,
        "target": TARGET_PER_SECOND,
        "round_trip_ms": round_trip_ms(),
        "load_average": os.getloadavg()[0],
        "profile": profile,
        **counted,
    }
    out_path.write_text(json.dumps(result, indent=2))
