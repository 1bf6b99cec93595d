"""The health scenario: the results page's data and a chart series over HTTP, for a
customer with ten years of daily weights and monthly labs (``bench/health_seed.py``).

Each round asks, one after the other on one keep-alive connection, ``GET /healthz`` (the
server's floor: the middleware and nothing else), ``GET /api/customers/{id}/tests``, the
first page of ``GET /api/customers/{id}/results`` (50, newest first) and
``GET /api/customers/{id}/results/series?test=weight`` (all ten years); then reads the
same rows with raw SQL through psycopg on a connection of its own (the series' rows,
and the first page's rows), as the database's floor. Rounds interleave the requests, so
a slow moment of the machine falls on all of them alike. Latencies are from the request
sent to the last byte read. Query counts come from the seed (in-process, Django's test
client inside ``CaptureQueriesContext``, the same requests against the same database).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import psycopg

from bench.timing import Timed, rounds_of
from bench.timing import ms as _ms

SERIES_SQL = (
    "SELECT taken_at, value, interpretation FROM profiles_result"
    " WHERE customer_id = %s AND test_id = %s AND superseded_at IS NULL ORDER BY taken_at, id"
)
PAGE_SQL = (
    "SELECT * FROM profiles_result WHERE customer_id = %s AND superseded_at IS NULL"
    " ORDER BY taken_at DESC, id DESC LIMIT 51"
)
TARGET_P99_MS = 100.0


def paths(customer_id: int) -> dict[str, str]:
    return {
        "healthz": "/healthz",
        "tests": f"/api/customers/{customer_id}/tests",
        "results": f"/api/customers/{customer_id}/results",
        "series": f"/api/customers/{customer_id}/results/series?test=weight",
    }


async def measure(
    port: int, database_url: str, health: dict[str, Any], rounds: int
) -> dict[str, Any]:
    return await asyncio.to_thread(_measure, port, database_url, health, rounds)


def _measure(port: int, database_url: str, health: dict[str, Any], rounds: int) -> dict[str, Any]:
    customer = health["customer"]
    targets = paths(customer)
    timed = Timed(port, {"Authorization": f"Bearer {health['token']}"})
    rows: dict[str, int] = {}
    with psycopg.connect(database_url, autocommit=True) as db:

        def sql(name: str, statement: str, params: tuple[Any, ...]) -> float:
            started = time.perf_counter()
            found = db.execute(statement, params).fetchall()
            elapsed = time.perf_counter() - started
            rows[name] = len(found)
            return elapsed

        def one_round() -> dict[str, float]:
            measured = {name: timed.get(name, path) for name, path in targets.items()}
            measured["sql_series"] = sql(
                "sql_series", SERIES_SQL, (customer, health["weight_test"])
            )
            measured["sql_page"] = sql("sql_page", PAGE_SQL, (customer,))
            return measured

        try:
            found = rounds_of(one_round, rounds)
        finally:
            timed.close()
    return {
        "rounds": rounds,
        "stored": health["results"],
        "entered": health["entered"],
        "weights": health["weights"],
        "queries": health["queries"],
        "rows": rows,
        "sizes": timed.sizes,
        **found,
    }


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or not b else f"{a / b:,.1f}"


def table(result: dict[str, Any]) -> list[list[str]]:
    """Rows: what, p50, p99, queries, bytes, p50 / healthz, p50 / raw SQL, target, met."""
    floor = result["healthz"]["p50_ms"]
    labels = {
        "tests": ("GET /api/customers/{id}/tests", "sql_page"),
        "results": ("GET /api/customers/{id}/results (first page, 50)", "sql_page"),
        "series": ("GET .../results/series?test=weight (ten years)", "sql_series"),
        "healthz": ("GET /healthz (reference)", None),
        "sql_page": ("raw SQL, the first page's 50 rows (reference)", None),
        "sql_series": ("raw SQL, the series' rows (reference)", None),
    }
    out = []
    for name, (label, raw) in labels.items():
        r = result[name]
        api = name in ("tests", "results", "series")
        met = "-" if not api else ("yes" if r["p99_ms"] <= TARGET_P99_MS else "**no**")
        out.append([
            label, _ms(r["p50_ms"]), _ms(r["p99_ms"]),
            str(result["queries"].get(name, "-")) if name in result["queries"] else "-",
            f"{result['sizes'][name]:,}" if name in result["sizes"] else
            f"{result['rows'][name]:,} rows",
            _ratio(r["p50_ms"], floor) if name != "healthz" and not name.startswith("sql") else "-",
            _ratio(r["p50_ms"], result[raw]["p50_ms"]) if raw else "-",
            "p99 <= 100 ms" if api else "", met,
        ])  # fmt: skip
    return out


HEADER = ["", "p50 (ms)", "p99 (ms)", "queries", "bytes", "p50 / healthz", "p50 / raw SQL",
          "target", "met"]  # fmt: skip


def render(result: dict[str, Any], markdown: bool) -> str:
    rows = table(result)
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(r[i].replace("**", "")) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = []
    for r in [HEADER, *rows]:
        cells = [c.replace("**", "") for c in r]
        lines.append(
            "  ".join(
                c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(cells)
            )
        )
    return "\n".join(lines)
