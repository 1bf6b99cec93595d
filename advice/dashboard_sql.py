"""The dashboard's two statements, written once as SQL (standard SQL: PostgreSQL and the
embedded SQLite run the same text).

Through the ORM the statement of the rows (four correlated subqueries, each with the
audience rule in it) cost Django about 30 ms of the process's CPU to build and compile
per request, twice what PostgreSQL spent running it: the page's latency was mostly
Python. Here the text is put together from a few fixed pieces (the sort and the filters
pick among them) and every value is a parameter.

``rows``: the customers in the professional's care (in the care team, consent to care
standing, not erased), each with the open alerts and their worst severity in one number
(``alert_score``: the count times ``SEVERITIES`` plus the worst rank), the check-ins missed
by the active habit goals, the active goals at risk, the last check-in shared with the
care team and the unread messages (the counts messaging gave, joined as a table); alerts,
goals and check-ins about a test the care team does not see are left out. Filtered,
ordered and paged, with the total in a window.

``latest``: for each customer and test, the latest current result's value and time and
the mean of the ``TREND_BEFORE`` results before it, where the care team sees the test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from accounts.models import User
from advice.models import Alert, AlertRule, CareTeamMember, CheckIn, Goal
from profiles.audience_sql import care_team_sees_sql
from profiles.models import Audience, Consent, MedicalTest, Result

USERS = User._meta.db_table
ALERTS = Alert._meta.db_table
RULES = AlertRule._meta.db_table
GOALS = Goal._meta.db_table
CHECK_INS = CheckIn._meta.db_table
TEAMS = CareTeamMember._meta.db_table
CONSENTS = Consent._meta.db_table
RESULTS = Result._meta.db_table
TESTS = MedicalTest._meta.db_table

# The columns a sort orders by (they are names of the statement's own columns).
COLUMNS = ("sort_name", "alert_score", "missed", "at_risk", "last_check_in", "unread")


@dataclass(frozen=True)
class Row:
    id: int
    display_name: str
    alert_score: int
    missed: int
    at_risk: int
    last_check_in: dt.datetime | None
    total: int


def _in(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _customers(
    professional_id: int,
    catalogue: Sequence[MedicalTest],
    severity_rank: Mapping[str, int],
    severities: int,
    unread: Mapping[int, int] | None,
    customer_id: int | None,
    q: str,
    filters: Sequence[str],
) -> tuple[str, list[Any]]:
    """The statement of every customer in care with their numbers, before the filters on
    them (but for unread messages, counted before: a join to their counts keeps only those
    with some, when they are a filter)."""
    params: list[Any] = []
    alert_seen, alert_params = care_team_sees_sql(catalogue, "al.customer_id", "r.test_id")
    goal_seen, goal_params = care_team_sees_sql(catalogue, "g.customer_id", "g.test_id")
    check_seen, check_params = care_team_sees_sql(catalogue, "c.customer_id", "res.test_id")
    ranks = " ".join("WHEN %s THEN %s" for _ in severity_rank)
    params += [severities] + [v for pair in severity_rank.items() for v in pair]
    params += [Alert.Status.RESOLVED, *alert_params]
    params += [Goal.Status.ACTIVE, Goal.Kind.HABIT]
    params += [Goal.Status.ACTIVE, True, Goal.Kind.HABIT, *goal_params]
    params += [Audience.CARE_TEAM, *check_params]
    # The unread counts messaging gave, as a table of (customer, count) joined by hash:
    # a CASE of hundreds of branches cost PostgreSQL a linear search a row.
    counted = [(pk, n) for pk, n in (unread or {}).items() if n]
    where = ""
    if counted:
        unread_column = "COALESCE(un.column2, 0)"
        join = "JOIN" if "unread" in filters else "LEFT JOIN"
        counts = ", ".join(["(%s, %s)"] * len(counted))
        unread_join = f"{join} (VALUES {counts}) AS un ON un.column1 = u.id"
        params += [v for pair in counted for v in pair]
    else:
        unread_column, unread_join = "0", ""
        if "unread" in filters:
            where += " AND 1 = 0"
    params += [professional_id, Consent.Purpose.CARE]
    if customer_id is not None:
        where += " AND u.id = %s"
        params.append(customer_id)
    if q:
        # Both sides lowered by the database (Python's and SQLite's LOWER differ beyond
        # ASCII: "Émile" must find Émile).
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where += " AND LOWER(u.display_name) LIKE LOWER(%s) ESCAPE '\\'"
        params.append(f"%{escaped}%")
    sql = f"""
        SELECT u.id, u.display_name, LOWER(u.display_name) AS sort_name,
          COALESCE((
            SELECT COUNT(*) * %s + MAX(CASE r.severity {ranks} ELSE 0 END)
            FROM {ALERTS} al JOIN {RULES} r ON r.id = al.rule_id
            WHERE al.customer_id = u.id AND al.status <> %s
              AND (r.test_id IS NULL OR ({alert_seen}))
          ), 0) AS alert_score,
          COALESCE((
            SELECT SUM(g.missed) FROM {GOALS} g
            WHERE g.customer_id = u.id AND g.status = %s AND g.kind = %s
          ), 0) AS missed,
          (
            SELECT COUNT(*) FROM {GOALS} g
            WHERE g.customer_id = u.id AND g.status = %s AND g.at_risk = %s
              AND (g.kind = %s OR ({goal_seen}))
          ) AS at_risk,
          (
            SELECT c.at FROM {CHECK_INS} c LEFT JOIN {RESULTS} res ON res.id = c.result_id
            WHERE c.customer_id = u.id AND c.audience = %s
              AND (c.result_id IS NULL OR ({check_seen}))
            ORDER BY c.at DESC LIMIT 1
          ) AS last_check_in,
          {unread_column} AS unread
        FROM {USERS} u {unread_join}
        WHERE u.erased_at IS NULL
          AND u.id IN (SELECT m.customer_id FROM {TEAMS} m WHERE m.professional_id = %s)
          AND EXISTS (
            SELECT 1 FROM {CONSENTS} k
            WHERE k.customer_id = u.id AND k.purpose = %s AND k.withdrawn_at IS NULL
          ){where}
    """  # noqa: S608  (our own names and fixed pieces; every value is a parameter)
    return sql, params


@dataclass(frozen=True)
class Shape:
    """What picks the customers of a page, whatever its order and size."""

    professional_id: int
    catalogue: Sequence[MedicalTest]
    severity_rank: Mapping[Any, int]
    severities: int
    unread: Mapping[int, int] | None
    customer_id: int | None
    q: str
    filters: Sequence[str]


def _matching(shape: Shape) -> tuple[str, list[Any]]:
    """``FROM ... WHERE ...`` of the customers that match (``filters``: names in
    ``COLUMNS``)."""
    for name in shape.filters:
        if name not in COLUMNS:
            raise ValueError(f"no column {name!r}")
    inner, params = _customers(
        shape.professional_id,
        shape.catalogue,
        shape.severity_rank,
        shape.severities,
        shape.unread,
        shape.customer_id,
        shape.q,
        shape.filters,
    )
    where = " AND ".join(f"{name} > 0" for name in shape.filters) or "1 = 1"
    return f"FROM ({inner}) customers WHERE {where}", params  # (names checked above)


def rows(shape: Shape, *, sort: str, descending: bool, limit: int, offset: int) -> list[Row]:
    """A page of the customers in care, ordered by ``sort`` (a name in ``COLUMNS``)."""
    if sort not in COLUMNS:
        raise ValueError(f"no column {sort!r}")
    matching, params = _matching(shape)
    direction = "DESC" if descending else "ASC"
    sql = f"""
        SELECT id, display_name, alert_score, missed, at_risk, last_check_in,
          COUNT(*) OVER () AS total
        {matching}
        ORDER BY {sort} {direction} NULLS LAST, sort_name ASC, id ASC
        LIMIT %s OFFSET %s
    """
    found = _fetch(sql, [*params, limit, offset])
    return [
        Row(
            id=row[0],
            display_name=row[1],
            alert_score=row[2],
            missed=row[3],
            at_risk=row[4],
            last_check_in=_moment(row[5]),
            total=row[6],
        )
        for row in found
    ]


def count(shape: Shape) -> int:
    """How many customers match (a page past the end has no total of its own)."""
    matching, params = _matching(shape)
    return int(_fetch(f"SELECT COUNT(*) {matching}", params)[0][0])


def in_care_ids(professional_id: int) -> list[int]:
    """The ids of the customers in care, the same rule as ``rows``."""
    sql = f"""
        SELECT u.id FROM {USERS} u
        WHERE u.erased_at IS NULL
          AND u.id IN (SELECT m.customer_id FROM {TEAMS} m WHERE m.professional_id = %s)
          AND EXISTS (
            SELECT 1 FROM {CONSENTS} k
            WHERE k.customer_id = u.id AND k.purpose = %s AND k.withdrawn_at IS NULL
          )
    """  # noqa: S608
    return [row[0] for row in _fetch(sql, [professional_id, Consent.Purpose.CARE])]


def latest(
    customer_ids: Sequence[int],
    test_ids: Sequence[int],
    catalogue: Sequence[MedicalTest],
    before: int,
) -> dict[tuple[int, int], tuple[float, dt.datetime | None, float | None]]:
    """``{(customer, test): (value, taken_at, mean of up to ``before`` results before)}``
    for the tests the care team sees; a few index probes per customer and test on the
    index of ``(customer, test, taken_at)``, however long the history."""
    if not customer_ids or not test_ids:
        return {}
    seen, seen_params = care_team_sees_sql(catalogue, "c.id", "t.id")
    current = (
        f"FROM {RESULTS} r WHERE r.customer_id = c.id AND r.test_id = t.id"
        " AND r.superseded_at IS NULL ORDER BY r.taken_at DESC, r.id DESC"
    )
    sql = f"""
        SELECT x.customer_id, x.test_id, r.value, r.taken_at, x.mean_before
        FROM (
          SELECT c.id AS customer_id, t.id AS test_id,
            (SELECT r.id {current} LIMIT 1) AS latest_id,
            (SELECT AVG(b.value) FROM (SELECT r.value {current} LIMIT %s OFFSET 1) b)
              AS mean_before
          FROM {USERS} c CROSS JOIN {TESTS} t
          WHERE c.id IN ({_in(customer_ids)}) AND t.id IN ({_in(test_ids)}) AND ({seen})
        ) x
        JOIN {RESULTS} r ON r.id = x.latest_id
    """  # noqa: S608  (our own names; every value is a parameter)
    params = [before, *customer_ids, *test_ids, *seen_params]
    return {
        (customer, test): (value, _moment(taken_at), mean)
        for customer, test, value, taken_at, mean in _fetch(sql, params)
    }


def _moment(value: Any) -> dt.datetime | None:
    """A time as the ORM would give it: aware, in UTC. (SQLite gives a raw cursor text for
    a computed column and a naive time for a stored one, both UTC.)"""
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
