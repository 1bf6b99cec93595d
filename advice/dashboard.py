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
counts; one reads the page's latest values and trends (window functions); plus the
catalogue and one insert in the access log naming the customers shown. Everything is
standard SQL that SQLite runs too (the embedded mode).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower

from accounts.audit import record_access
from accounts.models import User
from accounts.roles import CARE_ROLES
from advice.models import Alert, AlertRule, CareTeamMember, CheckIn, Goal
from advice.providers import unread_from
from core.errors import Forbidden, NotFound, ServiceError
from profiles.audience_sql import care_team_sees, care_team_sees_test
from profiles.catalogue import TestIndex
from profiles.models import Audience, Consent, MedicalTest, Result

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


def in_care(viewer: User) -> QuerySet[User]:
    """The customers whose shared data ``viewer`` may see now: in their care team, with
    consent to care standing (``profiles.permissions.Relation.CARE``), as one query."""
    return User.objects.filter(
        erased_at__isnull=True,
        pk__in=CareTeamMember.objects.filter(professional=viewer).values("customer_id"),
    ).filter(
        Exists(
            Consent.objects.filter(
                customer=OuterRef("pk"),
                purpose=Consent.Purpose.CARE,
                withdrawn_at__isnull=True,
            )
        )
    )


def _count(queryset: QuerySet[Any], aggregate: Any) -> Coalesce:
    """One number per customer from ``queryset`` (rows of the outer customer)."""
    grouped = queryset.order_by().values("customer_id").annotate(n=aggregate).values("n")
    return Coalesce(Subquery(grouped, output_field=IntegerField()), Value(0))


def _rows(
    viewer: User, ask: Ask, unread: dict[int, int] | None, catalogue: list[MedicalTest]
) -> QuerySet[User]:
    customer = OuterRef("pk")
    alerts = Alert.objects.filter(customer_id=customer).exclude(status=Alert.Status.RESOLVED)
    shared = care_team_sees(catalogue, "customer", "rule__test")
    alerts = alerts.filter(Q(rule__test__isnull=True) | shared)
    severity = Case(
        *[When(rule__severity=s, then=Value(rank)) for s, rank in SEVERITY_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    active = Goal.objects.filter(customer_id=customer, status=Goal.Status.ACTIVE)
    at_risk = active.filter(at_risk=True).filter(
        Q(kind=Goal.Kind.HABIT) | care_team_sees(catalogue, "customer", "test")
    )
    check_ins = CheckIn.objects.filter(customer_id=customer, audience=Audience.CARE_TEAM).filter(
        Q(result__isnull=True) | care_team_sees(catalogue, "customer", "result__test")
    )
    rows = in_care(viewer).annotate(
        sort_name=Lower("display_name"),
        # Both numbers in one: the count of alerts, then the worst severity (ordering by
        # it puts more alerts first, and of as many the worse).
        alert_score=_count(alerts, Count("id") * SEVERITIES + Max(severity)),
        missed=_count(active.filter(kind=Goal.Kind.HABIT), Sum("missed")),
        at_risk=_count(at_risk, Count("id")),
        last_check_in=Subquery(check_ins.order_by("-at").values("at")[:1]),
    )
    if unread is not None:
        rows = rows.annotate(unread=_unread_column(unread))
    if ask.customer_id is not None:
        rows = rows.filter(pk=ask.customer_id)
    if ask.q:
        rows = rows.filter(display_name__icontains=ask.q)
    for name in ask.filters:
        rows = rows.filter(**{f"{SORT_COLUMNS[name]}__gt": 0})
    column = F(SORT_COLUMNS[ask.sort])
    first = column.desc(nulls_last=True) if ask.descending else column.asc(nulls_last=True)
    return rows.annotate(total=Window(Count("*"))).order_by(first, "sort_name", "pk")


def _unread_column(unread: dict[int, int]) -> RawSQL | Value:
    """The unread counts messaging gave, as a column of the statement: one simple ``CASE``
    on the customer's id (written out, as Django's ``Case`` of hundreds of branches costs
    milliseconds to build; the ids and counts are parameters)."""
    counted = [(pk, n) for pk, n in unread.items() if n]
    if not counted:
        return Value(0, output_field=IntegerField())
    branches = " ".join("WHEN %s THEN %s" for _ in counted)
    params = [value for pair in counted for value in pair]
    column = f'"{User._meta.db_table}"."{User._meta.pk.column}"'
    sql = f"CASE {column} {branches} ELSE 0 END"  # placeholders and our own names only
    return RawSQL(sql, params, output_field=IntegerField())  # noqa: S611


def _trend(latest: float, before: float | None, test: MedicalTest) -> str | None:
    if before is None:
        return None
    change = latest - before
    flat_below = max(abs(before) * FLAT_SHARE, 10.0**-test.decimals)
    if abs(change) < flat_below:
        return "flat"
    return "up" if change > 0 else "down"


def _latest(
    customer_ids: list[int], tests: list[MedicalTest], catalogue: list[MedicalTest]
) -> dict[tuple[int, int], Any]:
    """``{(customer, test): (value, taken_at, mean before)}`` of the tests each customer
    shares with the care team. One statement for the ids of the latest results and the
    means before them (a few index probes per customer and test, on the index of
    ``(customer, test, taken_at)``, however long the history), one for those results."""
    if not customer_ids or not tests:
        return {}
    annotations: dict[str, Any] = {}
    for test in tests:
        visible = care_team_sees_test(test, catalogue)
        newest = Result.objects.filter(
            customer_id=OuterRef("pk"), test_id=test.pk, superseded_at__isnull=True
        ).order_by("-taken_at", "-id")
        before = Result.objects.filter(
            customer_id=OuterRef(OuterRef("pk")), test_id=test.pk, superseded_at__isnull=True
        ).order_by("-taken_at", "-id")[1 : 1 + TREND_BEFORE]
        mean = (
            Result.objects.filter(pk__in=before.values("pk"))
            .order_by()
            .values("test_id")
            .annotate(mean=Avg("value"))
            .values("mean")
        )
        annotations[f"latest_{test.pk}"] = Case(
            When(visible, then=Subquery(newest.values("pk")[:1])),
            default=Value(None),
            output_field=IntegerField(),
        )
        annotations[f"before_{test.pk}"] = Case(
            When(visible, then=Subquery(mean, output_field=FloatField())),
            default=Value(None),
            output_field=FloatField(),
        )
    rows = list(
        User.objects.filter(pk__in=customer_ids).annotate(**annotations).values("pk", *annotations)
    )
    ids = [row[f"latest_{t.pk}"] for row in rows for t in tests if row[f"latest_{t.pk}"]]
    results = Result.objects.in_bulk(ids) if ids else {}
    latest: dict[tuple[int, int], Any] = {}
    for row in rows:
        for test in tests:
            result = results.get(row[f"latest_{test.pk}"])
            if result is not None:
                latest[(row["pk"], test.pk)] = (
                    result.value,
                    result.taken_at,
                    row[f"before_{test.pk}"],
                )
    return latest


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
    customer: User,
    tests: list[MedicalTest],
    latest: dict[tuple[int, int], Any],
    unread: dict[int, int],
    locale: str,
) -> dict[str, Any]:
    values = []
    for test in tests:
        found = latest.get((customer.pk, test.pk))
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
    open_alerts, worst = divmod(getattr(customer, "alert_score", 0), SEVERITIES)
    checked_in: dt.datetime | None = getattr(customer, "last_check_in", None)
    return {
        "customer": {"id": customer.pk, "name": customer.public_name()},
        "tests": values,
        "open_alerts": open_alerts,
        "worst_severity": SEVERITY_OF_RANK.get(worst),
        "missed_check_ins": getattr(customer, "missed", 0),
        "goals_at_risk": getattr(customer, "at_risk", 0),
        "last_check_in": checked_in,
        "unread_messages": unread.get(customer.pk, 0),
    }


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
        ids = list(in_care(viewer).values_list("pk", flat=True))
        unread = unread_from(viewer.pk, ids) if ids else {}
    page = list(_rows(viewer, ask, unread, index.tests)[ask.offset : ask.offset + ask.limit])
    if ask.customer_id is not None and not page:
        raise NotFound(NOT_IN_CARE)
    ids = [c.pk for c in page]
    if unread is None:
        unread = unread_from(viewer.pk, ids) if ids else {}
    latest = _latest(ids, tests, index.tests)
    if page:
        record_access(viewer, page, "read", "care dashboard", door)
    total = getattr(page[0], "total", 0) if page else _total(viewer, ask, unread, index.tests)
    return {
        "items": [_row(c, tests, latest, unread, locale) for c in page],
        "count": total,
        "tests": [{"code": t.code, "name": t.name(locale), "unit": t.unit} for t in tests],
        "sort": ask.sort,
        "order": "desc" if ask.descending else "asc",
    }


def _total(viewer: User, ask: Ask, unread: dict[int, int], catalogue: list[MedicalTest]) -> int:
    """The total when the page asked for is past the end (one query more, only then)."""
    if ask.offset == 0:
        return 0
    return _rows(viewer, ask, unread if ask.needs_unread else None, catalogue).count()
