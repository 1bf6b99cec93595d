"""The care team's dashboard: every customer in a professional's care (with consent to care
standing), each with what needs their attention, and a page of them at a time.

A row holds the customer's name; the latest value of a few key tests with a trend arrow
(only tests the customer shares with the care team: a hidden test gives no value and no
arrow); the alerts not resolved and the worst of their severities (alerts about a test no
longer shared left out); the check-ins missed over the last 7 days (the sum of ``missed``
of the active habit goals); the active goals at risk (a target on a test no longer shared
left out); the last check-in shared with the care team; and the direct messages from the
customer the professional has not read (asked of messaging, ``advice.providers``).

The trend: the latest value against the mean of up to ``TREND_BEFORE`` values before it;
``flat`` when they differ by less than ``FLAT_SHARE`` of that mean (1%: 0.8 kg of an 80 kg
weight) or less than the test's display precision (0.1 for a test shown with one
decimal), ``up`` or ``down`` otherwise, and none with a single value.

The cost does not grow with the number of customers: one statement computes every
customer's counts (correlated subqueries on indexed columns), filters, orders and pages
them (with the total in a window, the same statement); one asks messaging for the unread
counts; one reads the page's latest values and the means before them; plus the catalogue
and one insert in the access log naming the customers shown. The statements are written
as SQL (``advice.dashboard_sql``: Django built and compiled the ORM's version in twice the
time the database ran it); standard SQL that SQLite runs too (the embedded mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.audit import record_access
from accounts.models import User
from accounts.roles import CARE_ROLES
from advice import dashboard_sql as sql
from advice.dashboard_sql import Row
from advice.models import AlertRule
from advice.providers import unread_from
from core.errors import Forbidden, NotFound, ServiceError
from profiles.catalogue import TestIndex
from profiles.models import MedicalTest

DEFAULT_TESTS = ("weight", "bmi")
MAX_TESTS = 6
TREND_BEFORE = 3
FLAT_SHARE = 0.01

SORTS = ("name", "alerts", "missed", "at_risk", "last_check_in", "unread")
FILTERS = ("alerts", "at_risk", "missed", "unread")
SEVERITY_RANK = {
    AlertRule.Severity.INFO: 1,
    AlertRule.Severity.WARNING: 2,
    AlertRule.Severity.CRITICAL: 3,
}
SEVERITY_OF_RANK = {rank: severity for severity, rank in SEVERITY_RANK.items()}
SEVERITIES = len(SEVERITY_RANK) + 1
# The column each sort orders by (and the default direction a professional expects:
# the most to look at first).
SORT_COLUMNS = {
    "name": "sort_name",
    "alerts": "alert_score",
    "missed": "missed",
    "at_risk": "at_risk",
    "last_check_in": "last_check_in",
    "unread": "unread",
}
DEFAULT_ORDER = {"name": "asc"}
NOT_IN_CARE = "no such customer in your care"


@dataclass(frozen=True)
class Ask:
    """What the professional asked for."""

    tests: tuple[str, ...] = DEFAULT_TESTS
    sort: str = "name"
    order: str = ""  # "asc" or "desc"; empty: the sort's usual direction
    filters: tuple[str, ...] = ()
    q: str = ""
    limit: int = 50
    offset: int = 0
    customer_id: int | None = None

    @property
    def needs_unread(self) -> bool:
        return self.sort == "unread" or "unread" in self.filters

    @property
    def descending(self) -> bool:
        order = self.order or DEFAULT_ORDER.get(self.sort, "desc")
        return order == "desc"


def check_can_see_dashboard(viewer: User) -> None:
    if not viewer.is_active or viewer.role not in CARE_ROLES:
        raise Forbidden("the dashboard is for dietitians and medical providers")


def _trend(latest: float, before: float | None, test: MedicalTest) -> str | None:
    if before is None:
        return None
    change = latest - before
    flat_below = max(abs(before) * FLAT_SHARE, 10.0**-test.decimals)
    if abs(change) < flat_below:
        return "flat"
    return "up" if change > 0 else "down"


def _tests(index: TestIndex, codes: tuple[str, ...]) -> list[MedicalTest]:
    if len(codes) > MAX_TESTS:
        raise ServiceError(
            f"at most {MAX_TESTS} tests at once", code="invalid_field", field="tests"
        )
    tests = []
    for code in codes:
        test = index.by_code.get(code)
        if test is None:
            raise ServiceError(
                f"no test {code!r} in the catalogue", code="unknown_test", field="tests"
            )
        if test not in tests:
            tests.append(test)
    return tests


def _row(
    customer: Row,
    person: User,
    tests: list[MedicalTest],
    latest: dict[tuple[int, int], Any],
    unread: dict[int, int],
    locale: str,
) -> dict[str, Any]:
    values = []
    for test in tests:
        found = latest.get((customer.id, test.pk))
        value, taken_at, before = found if found is not None else (None, None, None)
        values.append(
            {
                "test": test.code,
                "name": test.name(locale),
                "unit": test.unit,
                "decimals": test.decimals,
                "value": value,
                "taken_at": taken_at,
                "trend": None if value is None else _trend(value, before, test),
            }
        )
    open_alerts, worst = divmod(customer.alert_score, SEVERITIES)
    return {
        "customer": {"id": customer.id, "name": person.public_name()},
        "tests": values,
        "open_alerts": open_alerts,
        "worst_severity": SEVERITY_OF_RANK.get(worst),
        "missed_check_ins": customer.missed,
        "goals_at_risk": customer.at_risk,
        "last_check_in": customer.last_check_in,
        "unread_messages": unread.get(customer.id, 0),
    }


def _person(row: Row) -> User:
    """The customer as the account (the name others see, the access log's label): the
    statement reads only the columns these need."""
    return User(pk=row.id, display_name=row.display_name, erased_at=None)


def dashboard(viewer: User, ask: Ask, *, locale: str = "en", door: str = "http") -> dict[str, Any]:
    """A page of the customers in ``viewer``'s care (``ask.customer_id``: that one only,
    404 when not in their care), with the total that match; every customer shown is in
    their own access log (one insert)."""
    check_can_see_dashboard(viewer)
    if ask.sort not in SORTS:
        raise ServiceError(f"sort by one of {', '.join(SORTS)}", code="invalid_field", field="sort")
    if ask.order not in ("", "asc", "desc"):
        raise ServiceError("order is asc or desc", code="invalid_field", field="order")
    unknown = set(ask.filters) - set(FILTERS)
    if unknown:
        raise ServiceError(f"filter by {', '.join(FILTERS)}", code="invalid_field", field="filter")
    index = TestIndex()
    tests = _tests(index, ask.tests)
    # Sorting or filtering on unread messages needs every customer's count first.
    unread: dict[int, int] | None = None
    if ask.needs_unread:
        ids = sql.in_care_ids(viewer.pk)
        unread = unread_from(viewer.pk, ids) if ids else {}
    shape = _shape(viewer, ask, unread, index.tests)
    page = sql.rows(
        shape,
        sort=SORT_COLUMNS[ask.sort],
        descending=ask.descending,
        limit=ask.limit,
        offset=ask.offset,
    )
    if ask.customer_id is not None and not page:
        raise NotFound(NOT_IN_CARE)
    ids = [c.id for c in page]
    if unread is None:
        unread = unread_from(viewer.pk, ids) if ids else {}
    latest = sql.latest(ids, [t.pk for t in tests], index.tests, TREND_BEFORE)
    people = {c.id: _person(c) for c in page}
    if page:
        record_access(viewer, list(people.values()), "read", "care dashboard", door)
    if page:
        total = page[0].total
    elif ask.offset:  # past the end: the total needs a statement of its own
        total = sql.count(shape)
    else:
        total = 0
    return {
        "items": [_row(c, people[c.id], tests, latest, unread, locale) for c in page],
        "count": total,
        "tests": [{"code": t.code, "name": t.name(locale), "unit": t.unit} for t in tests],
        "sort": ask.sort,
        "order": "desc" if ask.descending else "asc",
    }


def _shape(
    viewer: User, ask: Ask, unread: dict[int, int] | None, catalogue: list[MedicalTest]
) -> sql.Shape:
    """What the statement of the rows needs besides the sort and the page."""
    return sql.Shape(
        professional_id=viewer.pk,
        catalogue=catalogue,
        severity_rank=SEVERITY_RANK,
        severities=SEVERITIES,
        unread=unread,
        customer_id=ask.customer_id,
        q=ask.q,
        filters=[SORT_COLUMNS[name] for name in ask.filters],
    )
