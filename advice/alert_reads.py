"""The reads a rule makes of a customer's results and check-ins, one statement each. On
PostgreSQL written once as SQL: an evaluation runs in the request that wrote the value,
and Django building a query costs about 1 ms of the process's CPU where the statement
itself costs a tenth of it; elsewhere (the embedded SQLite) through the ORM, the same
answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Max

from advice.models import CheckIn
from profiles.models import Audience, Result

SHARED = Audience.CARE_TEAM
RESULTS = Result._meta.db_table
CHECK_INS = CheckIn._meta.db_table
Latest = tuple[int, float, dt.datetime, dt.datetime]


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _current(customer_id: int, test_id: int) -> Any:
    return Result.objects.filter(
        customer_id=customer_id, test_id=test_id, superseded_at__isnull=True
    )


def latest_result(customer_id: int, test_id: int) -> Latest | None:
    """(id, value, taken_at, recorded_at) of the latest current result of a test."""
    if _pg():
        rows = _rows(
            f"SELECT id, value, taken_at, recorded_at FROM {RESULTS}"  # noqa: S608
            " WHERE customer_id = %s AND test_id = %s AND superseded_at IS NULL"
            " ORDER BY taken_at DESC, id DESC LIMIT 1",
            [customer_id, test_id],
        )
        return rows[0] if rows else None
    found: Latest | None = (
        _current(customer_id, test_id)
        .order_by("-taken_at", "-id")
        .values_list("pk", "value", "taken_at", "recorded_at")
        .first()
    )
    return found


def results_mean(
    customer_id: int, test_id: int, after: dt.datetime, until: dt.datetime
) -> dict[str, Any]:
    """The mean, count and newest ``recorded_at`` of the current results taken in
    (``after``, ``until``]."""
    if _pg():
        ((mean, n, newest),) = _rows(
            f"SELECT avg(value), count(*), max(recorded_at) FROM {RESULTS}"  # noqa: S608
            " WHERE customer_id = %s AND test_id = %s AND superseded_at IS NULL"
            " AND taken_at > %s AND taken_at <= %s",
            [customer_id, test_id, after, until],
        )
        return {"mean": mean, "n": n, "newest": newest}
    rows = _current(customer_id, test_id).filter(taken_at__gt=after, taken_at__lte=until)
    return dict(rows.aggregate(mean=Avg("value"), n=Count("id"), newest=Max("recorded_at")))


def results_between(
    customer_id: int, test_id: int, first: dt.datetime, last: dt.datetime
) -> list[tuple[int, float, dt.datetime]]:
    """(id, value, taken_at) of the current results taken in [``first``, ``last``]."""
    if _pg():
        return _rows(
            f"SELECT id, value, taken_at FROM {RESULTS}"  # noqa: S608
            " WHERE customer_id = %s AND test_id = %s AND superseded_at IS NULL"
            " AND taken_at >= %s AND taken_at <= %s",
            [customer_id, test_id, first, last],
        )
    return list(
        _current(customer_id, test_id)
        .filter(taken_at__gte=first, taken_at__lte=last)
        .values_list("pk", "value", "taken_at")
    )


def _shared_check_ins(customer_id: int) -> Any:
    return CheckIn.objects.filter(customer_id=customer_id, audience=SHARED)


def last_shared_check_in(customer_id: int, shared_tests: set[int]) -> dt.datetime | None:
    """When the customer last checked in, of the check-ins shared with the care team (a
    measurement counts while its test is one of ``shared_tests``, as the care team reads
    check-ins)."""
    if _pg():
        rows = _rows(
            f"SELECT c.at FROM {CHECK_INS} c LEFT JOIN {RESULTS} r ON r.id = c.result_id"  # noqa: S608
            " WHERE c.customer_id = %s AND c.audience = %s"
            f" AND (c.kind <> '{CheckIn.Kind.MEASUREMENT}' OR r.test_id = ANY(%s))"
            " ORDER BY c.at DESC LIMIT 1",
            [customer_id, SHARED, sorted(shared_tests)],
        )
        return rows[0][0] if rows else None
    shared = _shared_check_ins(customer_id)
    seen = shared.exclude(kind=CheckIn.Kind.MEASUREMENT) | shared.filter(
        result__test_id__in=shared_tests
    )
    last: dt.datetime | None = seen.order_by("-at").values_list("at", flat=True).first()
    return last


_MOODS = (
    f" FROM {CHECK_INS} WHERE customer_id = %s AND audience = %s"
    f" AND kind = '{CheckIn.Kind.MOOD}' AND mood IS NOT NULL"
)


def _moods(customer_id: int) -> Any:
    return _shared_check_ins(customer_id).filter(kind=CheckIn.Kind.MOOD, mood__isnull=False)


def moods_mean(customer_id: int, after: dt.datetime) -> dict[str, Any]:
    """The mean, count and newest ``recorded_at`` of the moods shared with the care team
    since ``after``."""
    if _pg():
        ((mean, n, newest),) = _rows(
            "SELECT avg(mood), count(*), max(recorded_at)" + _MOODS + " AND at > %s",
            [customer_id, SHARED, after],
        )
        return {"mean": mean, "n": n, "newest": newest}
    rows = _moods(customer_id).filter(at__gt=after)
    return dict(rows.aggregate(mean=Avg("mood"), n=Count("id"), newest=Max("recorded_at")))


def latest_mood(customer_id: int) -> tuple[int, int | None, dt.datetime] | None:
    """(id, mood, recorded_at) of the latest mood shared with the care team."""
    if _pg():
        rows = _rows(
            "SELECT id, mood, recorded_at" + _MOODS + " ORDER BY at DESC, id DESC LIMIT 1",
            [customer_id, SHARED],
        )
        return rows[0] if rows else None
    found: tuple[int, int | None, dt.datetime] | None = (
        _moods(customer_id).order_by("-at", "-id").values_list("pk", "mood", "recorded_at").first()
    )
    return found
