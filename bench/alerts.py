"""The alerts scenario's driver: a fresh database, migrated, then ``bench/alerts_app.py``
run inside the app (``manage.py shell``, production settings: PostgreSQL and Redis) in
one process; its figures read back, printed, and written to docs/benchmarks.md."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PY = sys.executable


def measure(root: Path, env: dict[str, str], workdir: Path) -> dict[str, Any]:
    """Migrate the database ``env`` names, then run the scenario in the app."""
    out = workdir / "alerts.json"
    env = {**env, "BENCH_ALERTS_OUT": str(out)}
    for command in (
        [PY, "manage.py", "migrate", "--no-input", "-v", "0"],
        [PY, "manage.py", "shell", "-c", "from bench.alerts_app import main; main()"],
    ):
        done = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, timeout=3600
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command[1:3])} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(out.read_text()))


def top_of_profile(result: dict[str, Any], lines: int = 12) -> str:
    """The profile's heading and its first rows (by cumulative time)."""
    text = str(result.get("profile", ""))
    kept = [line for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(kept) if "ncalls" in line), 0)
    return "\n".join(kept[start : start + lines + 1])


# The figures of the code before the evaluation was cut down (f799f6f), measured with the
# same drivers, kept here as the point of comparison.
BEFORE = (
    "Before (f799f6f), with the same driver: 25.1 statements a check-in (mood 11.7, weight "
    "38.6, systolic 32.0), 7.7 an evaluation (the customer's own rules, consent and care "
    "team, the catalogue, the audiences, the user and the profile for the subject, the "
    "rule's reads, the raise in four statements and a savepoint, then three more to find "
    "whom to tell, as the check-in itself also did twice); 100 customers and 1,000 "
    "check-ins a run on a loaded machine gave 28 check-ins/s one after the other against "
    "50 without rules (0.57x), 40 against 68 from 4 threads (0.59x), 81 evaluations/s. "
    "The same 300 mixed check-ins timed back to back in one process on each side "
    "(twice, the machine's load moving): 17.7 and 23.4 ms of CPU a check-in before, 8.4 "
    "and 11.1 ms after (before the goals' statement was written as SQL); 24.1 and 13.3 "
    "ms of wall time in the first pair."
)


def section(result: dict[str, Any], header: Callable[[], str], start: str, end: str) -> str:
    return "\n".join(
        [
            start,
            "## Alert rules: check-ins evaluated against the rules",
            "",
            header(),
            "",
            f"{result['customers']:,} customers in one dietitian's care in each run, each with a "
            "weight seeded a week before and consent to care. Check-ins written through the real "
            "service, `advice.checkins.log_check_in`, each evaluated by the real receivers after "
            "its commit as in a request (`checked_in` for a mood, `results_written` for a "
            "measurement, which also runs the goals and tells the care team): 40% moods (one "
            'customer in ten low, so "Low mood over a week" crosses; one mood in ten private, '
            "which must raise nothing), 40% weights (3% more than 2% under the week-old one), "
            "20% systolic pressures (3% from 180) (`bench/alerts_app.py`). Four runs on separate "
            "customers in one process: the reference (the alert receivers disconnected) and ours, "
            f"one after the other; then both again from {result.get('threads', 0)} threads of the "
            "same process, each with its own database connection and its own customers (as a "
            "server's worker threads). Expected alerts are computed by the driver apart from the "
            "server's code (one per customer and rule that crossed, seen again once per further "
            "crossing) and compared with the alerts stored. Queries, their time and the CPU time "
            "are sampled on 200 more check-ins; a cProfile on 200 more.",
            "",
            render(result, markdown=True),
            "",
            bottleneck(result),
            "",
            BEFORE,
            "",
            'Commands: `make bench BENCH_ARGS="--scenarios alerts --only ours"` (this '
            "section alone; `BENCH_ALERTS_CUSTOMERS`, `BENCH_ALERTS_WRITES`, "
            "`BENCH_ALERTS_THREADS` change the sizes), or a full `make bench`.",
            "",
        ]
    )


def bottleneck(result: dict[str, Any]) -> str:
    """What limits the rate, in words, from the figures of this run."""
    best = max(result["our_per_second"], result.get("our_threads_per_second", 0.0))
    cpu = result.get("cpu_ms_per_check_in", 0.0)
    total = result["ms_per_check_in_sampled"]
    sql = result["sql_ms_per_check_in"]
    queries = result["queries_per_check_in"]
    reached = best >= result["target"]
    verdict = "The target is reached." if reached else (
        f"The target of {result['target']:,.0f} check-ins/s is not reached: {best:,.0f}/s at "
        "best in this run."
    )  # fmt: skip
    return (
        f"{verdict} A check-in costs {total:.1f} ms in the sample, of which {sql:.1f} ms "
        f"from sending its {queries:.1f} statements to their answers and {total - sql:.1f} ms "
        f"in the process around them; the process's CPU time is {cpu:.1f} ms a check-in, so "
        "one process (one core at a time for Python) cannot pass about "
        f"{1000 / max(cpu, 1e-9):,.0f} check-ins/s whatever its threads. The evaluation "
        "is no longer the bottleneck "
        f"({result['queries_per_evaluation']:.1f} statements, "
        f"{1000 / max(result['evaluations_per_second'], 1e-9):.1f} ms; ours runs at "
        f"{result['our_per_second'] / result['reference_per_second']:.2f}x the reference "
        "one after the other): the write is. A mood check-in is "
        f"{result.get('queries_mood', 0):.1f} statements in all; a measurement "
        f"{result.get('queries_weight', 0):.0f} (a weight) of which about 15 are "
        "`profiles.results.record_result` (the catalogue, the audiences, the duplicate "
        "check, the sex and birth date, the reference ranges, the insert in a savepoint, "
        "and BMI derived again: the customer locked, heights, weights, BMIs), then the "
        "care team's activity and the goals. At 1,000/s one process has 1 ms per check-in: "
        "less than the CPU time Django and psycopg spend on 14 statements, before any "
        "waiting. What would reach it: the measurement's write as a few statements "
        "written once (the record's facts read together, BMI derived in SQL), or several "
        "processes (each check-in is independent: the rate adds up until PostgreSQL is "
        "busy)."
    )


def render(result: dict[str, Any], markdown: bool) -> str:
    def ok(got: int, want: int) -> str:
        return "exactly once" if got == want else "MISMATCH"

    reference = result["reference_per_second"]
    threads = result.get("threads", 0)
    threaded = result.get("our_threads_per_second", 0)
    threaded_reference = max(1e-9, result.get("reference_threads_per_second", 0))
    kinds = ", ".join(
        f"{kind} {result.get('queries_' + kind, 0):.1f}" for kind in ("mood", "weight", "systolic")
    )
    rows = [
        ("check-ins written, each run", f"{result['writes']:,}", ""),
        ("reference: check-ins/s without rules, one after the other", f"{reference:,.0f}", ""),
        (
            "ours: check-ins/s evaluated against the rules, one after the other",
            f"{result['our_per_second']:,.0f}",
            f"{result['our_per_second'] / reference:.2f}x the reference; "
            f"target {result['target']:,.0f}/s",
        ),
        (
            f"reference: check-ins/s without rules, {threads} threads",
            f"{result.get('reference_threads_per_second', 0):,.0f}",
            "",
        ),
        (
            f"ours: check-ins/s evaluated against the rules, {threads} threads",
            f"{result.get('our_threads_per_second', 0):,.0f}",
            f"{threaded / threaded_reference:.2f}x the reference",
        ),
        (
            "evaluations/s (the alert receivers' own time)",
            f"{result['evaluations_per_second']:,.0f}",
            f"{1000 / max(result['evaluations_per_second'], 1e-9):.2f} ms each",
        ),
        ("queries per check-in (a sample, all of it)", f"{result['queries_per_check_in']:.1f}",
         kinds),
        ("queries per evaluation (a sample)", f"{result['queries_per_evaluation']:.1f}", ""),
        (
            "ms per check-in (the sample): all / in the database",
            f"{result['ms_per_check_in_sampled']:.2f} / {result['sql_ms_per_check_in']:.2f}",
            "the rest is Django and Python in the process",
        ),
        (
            "CPU ms per check-in in this process (Python, Django, psycopg)",
            f"{result.get('cpu_ms_per_check_in', 0):.2f}",
            f"one process's ceiling: {1000 / max(result.get('cpu_ms_per_check_in', 0), 1e-9):,.0f} "
            "check-ins/s whatever the threads",
        ),
        ("database round trip (SELECT 1), ms", f"{result.get('round_trip_ms', 0):.2f}", ""),
        (
            "alerts raised / expected, one after the other",
            f"{result['alerts']} / {result['expected_alerts']}",
            ok(result["alerts"], result["expected_alerts"]),
        ),
        (
            "times fired (alert counts) / expected",
            f"{result['fired']} / {result['expected_fired']}",
            ok(result["fired"], result["expected_fired"]),
        ),
        (
            f"alerts raised / expected, {threads} threads",
            f"{result.get('threads_alerts', 0)} / {result.get('expected_threads_alerts', 0)}",
            ok(result.get("threads_alerts", 0), result.get("expected_threads_alerts", 0)),
        ),
        (
            "times fired / expected, threads",
            f"{result.get('threads_fired', 0)} / {result.get('expected_threads_fired', 0)}",
            ok(result.get("threads_fired", 0), result.get("expected_threads_fired", 0)),
        ),
        ("load average (1 min) at the end", f"{result.get('load_average', 0):.1f}", "2 CPUs"),
    ]  # fmt: skip
    if not markdown:
        return "\n".join(f"{a:<70} {b:>14}  {c}" for a, b, c in rows)
    lines = ["| measure | value | note |", "|---|---:|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)
