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


def section(result: dict[str, Any], header: Callable[[], str], start: str, end: str) -> str:
    return "\n".join(
        [
            start,
            "## Alert rules: writes evaluated against the rules",
            "",
            header(),
            "",
            f"{result['customers']:,} customers in one dietitian's care on each side, each with a "
            "weight seeded a week before; the same pattern of writes on each side, one after "
            "the other in one process, through the real service path "
            "(`profiles.results.record_result`, whose `results_written` runs the alert rules "
            "after the commit as in a request; a mood check-in stored and `checked_in` sent as "
            "the check-in service does): 40% systolic pressures, 40% weights, 20% moods, about "
            "3% of each past a shipped default rule (`bench/alerts_app.py`). The reference is "
            "the same writes with the alert receivers disconnected. The evaluation's own rate is "
            "timed around the receivers. Expected alerts are computed by the driver apart from "
            "the server's code (one per customer and rule that crossed, seen again once per "
            "further crossing) and compared with the alerts stored.",
            "",
            render(result, markdown=True),
            "",
            bottleneck(result),
            "",
            'Commands: `make bench BENCH_ARGS="--scenarios alerts --only ours"` (this '
            "section alone; `BENCH_ALERTS_CUSTOMERS`, `BENCH_ALERTS_WRITES` change the "
            "sizes), or a full `make bench`.",
            "",
        ]
    )


def bottleneck(result: dict[str, Any]) -> str:
    """What limits the rate, in words, from the figures of this run."""
    queries = result["queries_per_evaluation"]
    rtt = result.get("round_trip_ms", 0.0)
    per_evaluation = 1000 / max(result["evaluations_per_second"], 1e-9)
    reached = result["evaluations_per_second"] >= result["target"]
    verdict = "The target is reached." if reached else (
        f"The target of {result['target']:,.0f}/s is not reached: "
        f"{result['evaluations_per_second']:,.0f} evaluations/s, {per_evaluation:.1f} ms each."
    )  # fmt: skip
    return (
        f"{verdict} The bottleneck is the cost of each query in the process, times the "
        f"{queries:.1f} queries an evaluation makes one after the other (the customer's own "
        "rules; consent and care team in one join; the catalogue; the customer's audiences; "
        "the latest value, the mean or the earlier value of each rule; the sex and birth "
        "date when a rule with an age band watches the test). The server's round trip is "
        f"not it: a bare `SELECT 1` took {rtt:.2f} ms, {queries * rtt:.1f} ms of an "
        f"evaluation's {per_evaluation:.1f}. Each query costs about "
        f"{per_evaluation / max(queries, 1e-9):.1f} ms: a cProfile of 250 evaluations "
        "(2026-12-03, the same writes) puts about a third in Django's ORM compiling the "
        "query (`SQLCompiler.as_sql`, `Query.build_filter`), a third in psycopg sending it "
        "and waiting for its execution (the consent-and-care-team join is the slowest, "
        "about 1 ms on the server; the others 0.02 to 0.5 ms), and the rest in building "
        "rows and the rules' Python. The machine is shared (2 CPUs, a load average near 5 "
        "from other work beside the benchmark), which slows every one of these steps. At "
        "1,000/s an evaluation has 1 ms: that needs two or three statements instead of "
        "eight (one reading the latest value, the mean and the earlier value of every rule "
        "of the written test together, in SQL written once rather than compiled per call; "
        "the catalogue and the audiences kept per process as the default rules are), or "
        "the evaluation taken off the request into a worker that evaluates customers in "
        "batches, as the schedule does (a few queries per 500 customers)."
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
