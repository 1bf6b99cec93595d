"""The dashboard scenario: the care team's dashboard over HTTP, for a dietitian with 500
customers who each have two years of results and daily check-ins
(``bench/dashboard_seed.py``).

Each round asks, one after the other on one keep-alive connection with the dietitian's
bearer token: ``GET /healthz`` (the server's floor: the middleware and nothing else),
``GET /api/me`` (a signed-in read of one row: the floor of an authenticated API call),
the dashboard's first page (50 customers by name, weight and BMI), the page sorted by
open alerts with HbA1c and LDL too, the customers with unread messages sorted by them
(which asks messaging for every customer's count first), and one customer's row (what a
live update reads). Rounds interleave the requests, so a slow moment of the machine falls
on all of them alike. Latencies are from the request sent to the last byte read. Query
counts come from the seed (in-process, Django's test client inside
``CaptureQueriesContext``, the same requests against the same database).
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.timing import Timed, rounds_of
from bench.timing import ms as _ms

TARGET_P99_MS = 200.0
MEASURED = ("page", "alerts", "unread", "row")


def paths(customer_id: int) -> dict[str, str]:
    board = "/api/care/dashboard"
    return {
        "healthz": "/healthz",
        "me": "/api/me",
        "page": f"{board}?limit=50",
        "alerts": f"{board}?sort=alerts&tests=weight,bmi,hba1c,ldl&limit=50",
        "unread": f"{board}?sort=unread&filter=unread&limit=50",
        "row": f"{board}?customer_id={customer_id}",
    }


async def measure(port: int, seed: dict[str, Any], rounds: int) -> dict[str, Any]:
    return await asyncio.to_thread(_measure, port, seed, rounds)


def _measure(port: int, seed: dict[str, Any], rounds: int) -> dict[str, Any]:
    targets = paths(seed["customer"])
    timed = Timed(port, {"Authorization": f"Bearer {seed['token']}"})
    try:
        measured = rounds_of(
            lambda: {name: timed.get(name, path) for name, path in targets.items()}, rounds
        )
    finally:
        timed.close()
    return {
        "rounds": rounds,
        "customers": seed["customers"],
        "results": seed["results"],
        "check_ins": seed["check_ins"],
        "queries": seed["queries"],
        "in_process": seed.get("in_process", {}),
        "sizes": timed.sizes,
        **measured,
    }


LABELS = {
    "page": "GET /api/care/dashboard (first page: 50 of 500, by name)",
    "alerts": "... ?sort=alerts&tests=weight,bmi,hba1c,ldl",
    "unread": "... ?sort=unread&filter=unread",
    "row": "... ?customer_id= (one row: a live update)",
    "me": "GET /api/me (reference)",
    "healthz": "GET /healthz (reference)",
}
HEADER = [
    "", "p50 (ms)", "p99 (ms)", "in-process ms (database)", "queries", "bytes", "p50 / api/me",
    "target", "met",
]  # fmt: skip


def table(result: dict[str, Any]) -> list[list[str]]:
    floor = result["me"]["p50_ms"]
    out = []
    for name, label in LABELS.items():
        r = result[name]
        measured = name in MEASURED
        met = "-" if not measured else ("yes" if r["p99_ms"] <= TARGET_P99_MS else "**no**")
        ratio = "-" if name == "me" or not floor else f"{r['p50_ms'] / floor:,.1f}"
        inside = result.get("in_process", {}).get(name)
        alone = "-" if inside is None else f"{inside['ms']:,.1f} ({inside['db_ms']:,.1f})"
        out.append([
            label, _ms(r["p50_ms"]), _ms(r["p99_ms"]), alone,
            str(result["queries"].get(name, "-")),
            f"{result['sizes'].get(name, 0):,}", ratio,
            "p99 <= 200 ms" if measured else "", met,
        ])  # fmt: skip
    return out


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
