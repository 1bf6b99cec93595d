"""The audience rule of ``profiles.catalogue`` as a condition inside a query, for reads over
many customers at once (the care team's dashboard: every customer's alerts, goals and
latest values in one statement), where opening each record in turn would cost queries per
customer.

The answer is the one ``effective_audiences`` gives: the care team sees a test's results
when the audience the customer chose for it (``TestAudience``, else the test's default)
is the care team, and, for a derived test (BMI), when it sees each of its sources too (a
source missing from the catalogue counts as kept to the customer). Medical values never
go beyond the care team, so nothing else is asked. The conditions are written with the
catalogue in hand (``tests``: its defaults and derivations, one query the caller makes
anyway), so each costs one or two index probes of ``TestAudience`` per row.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Exists, OuterRef, Q

from profiles.catalogue import DERIVED_FROM
from profiles.models import Audience, MedicalTest, TestAudience

NOTHING = Q(pk__in=[])


def _chose(customer: str, audience: str, **test: object) -> Exists:
    return Exists(
        TestAudience.objects.filter(customer_id=OuterRef(customer), audience=audience, **test)
    )


def _sources_seen(customer: str, sources: Sequence[MedicalTest | None]) -> Q:
    """The care team sees every one of ``sources`` (None: missing from the catalogue)."""
    if not sources or any(s is None for s in sources):
        return NOTHING
    found = [s for s in sources if s is not None]
    seen = ~Q(_chose(customer, Audience.ONLY_ME, test_id__in=[s.pk for s in found]))
    for source in found:
        if source.default_audience != Audience.CARE_TEAM:
            seen &= Q(_chose(customer, Audience.CARE_TEAM, test_id=source.pk))
    return seen


def care_team_sees(
    tests: Sequence[MedicalTest], customer: str = "customer", test: str = "test"
) -> Q:
    """A condition on rows with a customer (``customer``: the field path to it) and a
    medical test (``test``: the path to the test), ``tests`` the catalogue: the customer's
    care team sees that customer's results of that test. For example
    ``Alert.objects.filter(care_team_sees(index.tests, "customer", "rule__test"))``."""
    by_code = {t.code: t for t in tests}
    condition = ~Q(_chose(customer, Audience.ONLY_ME, test_id=OuterRef(test)))
    private = [t.pk for t in tests if t.default_audience != Audience.CARE_TEAM]
    if private:
        condition &= ~Q(**{f"{test}__in": private}) | Q(
            _chose(customer, Audience.CARE_TEAM, test_id=OuterRef(test))
        )
    for derivation, codes in DERIVED_FROM.items():
        derived = [t.pk for t in tests if t.derived == derivation]
        if derived:
            sources = [by_code.get(code) for code in codes]
            condition &= ~Q(**{f"{test}__in": derived}) | _sources_seen(customer, sources)
    return condition


def care_team_sees_test(test: MedicalTest, tests: Sequence[MedicalTest], customer: str = "pk") -> Q:
    """The same for one test known in advance, on rows of customers (``customer``: the
    path to the customer's id, ``pk`` on users)."""
    by_code = {t.code: t for t in tests}
    condition = (
        ~Q(_chose(customer, Audience.ONLY_ME, test_id=test.pk))
        if test.default_audience == Audience.CARE_TEAM
        else Q(_chose(customer, Audience.CARE_TEAM, test_id=test.pk))
    )
    codes = DERIVED_FROM.get(test.derived, ())
    if codes:
        condition &= _sources_seen(customer, [by_code.get(code) for code in codes])
    return condition


def care_team_sees_sql(
    tests: Sequence[MedicalTest], customer: str, test: str
) -> tuple[str, list[object]]:
    """The rule of ``care_team_sees`` as SQL text and its parameters, for statements
    written as SQL: ``customer`` and ``test`` are the column expressions (the caller's own
    text, never input) of the customer's id and the test's id. A row with no test passes
    (as the ORM's condition lets it)."""
    table = TestAudience._meta.db_table
    chosen = f"SELECT 1 FROM {table} ta WHERE ta.customer_id = {customer}"  # noqa: S608

    def chose(audience: str, ids: Sequence[int] | None = None) -> tuple[str, list[object]]:
        if ids is None:
            return f"EXISTS ({chosen} AND ta.test_id = {test} AND ta.audience = %s)", [audience]
        marks = ", ".join(["%s"] * len(ids))
        return (
            f"EXISTS ({chosen} AND ta.test_id IN ({marks}) AND ta.audience = %s)",
            [*ids, audience],
        )

    def one_of(ids: Sequence[int]) -> tuple[str, list[object]]:
        return f"{test} IN ({', '.join(['%s'] * len(ids))})", list(ids)

    kept, params = chose(Audience.ONLY_ME)
    parts = [f"NOT {kept}"]
    private = [t.pk for t in tests if t.default_audience != Audience.CARE_TEAM]
    if private:
        among, among_params = one_of(private)
        shared, shared_params = chose(Audience.CARE_TEAM)
        parts.append(f"(NOT {among} OR {shared})")
        params += among_params + shared_params
    by_code = {t.code: t for t in tests}
    for derivation, codes in DERIVED_FROM.items():
        derived = [t.pk for t in tests if t.derived == derivation]
        if not derived:
            continue
        among, among_params = one_of(derived)
        sources = [by_code.get(code) for code in codes]
        found = [s for s in sources if s is not None]
        if not found or len(found) < len(sources):
            seen, seen_params = "1 = 0", list[object]()
        else:
            kept, seen_params = chose(Audience.ONLY_ME, [s.pk for s in found])
            seen = f"NOT {kept}"
            for source in found:
                if source.default_audience != Audience.CARE_TEAM:
                    shared, shared_params = chose(Audience.CARE_TEAM, [source.pk])
                    seen += f" AND {shared}"
                    seen_params += shared_params
        parts.append(f"(NOT {among} OR ({seen}))")
        params += among_params + seen_params
    return f"({test} IS NULL OR ({' AND '.join(parts)}))", params
