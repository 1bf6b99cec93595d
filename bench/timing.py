"""What the HTTP scenarios share: a keep-alive connection whose GETs are timed from the
request sent to the last byte read, rounds that interleave every request (a slow moment
of the machine falls on all of them alike, the first ``WARM_UP`` only warming caches),
and the percentiles of what was measured."""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from typing import Any

WARM_UP = 10


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


class Timed:
    """GETs on one keep-alive connection with the same headers; each answer's size kept."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = headers
        self.sizes: dict[str, int] = {}

    def get(self, name: str, path: str) -> float:
        """Seconds from the request sent to the last byte read; anything but 200 stops."""
        started = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {body[:300]!r}")
        self.sizes[name] = len(body)
        return elapsed

    def close(self) -> None:
        self.conn.close()


def rounds_of(one_round: Callable[[], dict[str, float]], rounds: int) -> dict[str, Any]:
    """``rounds`` rounds after the warm-up; per name, p50, p99 and max in milliseconds."""
    times: dict[str, list[float]] = {}
    for round_ in range(rounds + WARM_UP):
        measured = one_round()
        if round_ >= WARM_UP:
            for name, elapsed in measured.items():
                times.setdefault(name, []).append(elapsed * 1000)
    return {
        name: {
            "p50_ms": percentile(values, 0.50),
            "p99_ms": percentile(values, 0.99),
            "max_ms": max(values),
        }
        for name, values in times.items()
    }
