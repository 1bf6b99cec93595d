"""The medical-test catalogue as the results read it: tests by code or LOINC code, the
audience a customer chose for each, and the reference range that applies to a customer
(their sex, their age when the result was taken) with the interpretation it gives.

Ranges: a row holds for ``[age_min, age_max)`` years and one sex or any. Of the rows that
match, one with an age band wins over one without, then one for the customer's sex over
one for any sex, then the narrower band. Without a birth date only rows without an age
band apply; without a sex (or one that is neither female nor male) only rows for any sex.
A value is critically low under ``critical_low``, low under ``low``, critically high from
``critical_high``, high from ``high``, and normal otherwise; a row without any bound (a
child's band of a test read on growth percentiles) gives no interpretation.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from accounts.bounds import is_time_zone
from accounts.models import User
from core.errors import ServiceError
from profiles.models import (
    AUDIENCE_RANK,
    Audience,
    MedicalTest,
    ProfileValue,
    ReferenceRange,
    Result,
    TestAudience,
)
from profiles.permissions import Relation, can_see

# The profile attributes a range depends on (starter attributes of the profile).
SEX_KEY = "sex"
BIRTH_DATE_KEY = "birth_date"
SEXES = {"female": ReferenceRange.Sex.FEMALE, "f": ReferenceRange.Sex.FEMALE,
         "woman": ReferenceRange.Sex.FEMALE, "male": ReferenceRange.Sex.MALE,
         "m": ReferenceRange.Sex.MALE, "man": ReferenceRange.Sex.MALE}  # fmt: skip

# The audiences a test's results may have: never the community (a medical value).
TEST_AUDIENCES = (Audience.ONLY_ME, Audience.CARE_TEAM)

# What a derived test is computed from (``MedicalTest.derived`` names the derivation): its
# results tell as much as its sources together, so they are seen by whoever sees them all.
DERIVED_FROM: dict[str, tuple[str, ...]] = {"bmi": ("weight", "height")}

# LOINC codes matched on import besides each test's own: the same measurement reported in
# the other property (moles or mass per volume), by another method, or another variant.
ALSO_LOINC: dict[str, str] = {
    "18262-6": "ldl",  # LDL cholesterol, measured directly (mass/volume)
    "39469-2": "ldl",  # LDL cholesterol, calculated (moles/volume)
    "1989-3": "vitamin_d",  # 25-hydroxyvitamin D3 (mass/volume)
    "35365-6": "vitamin_d",  # 25-hydroxyvitamin D (moles/volume)
    "14771-0": "glucose_fasting",  # fasting glucose (moles/volume)
    "14647-2": "cholesterol_total",  # total cholesterol (moles/volume)
    "14646-4": "hdl",  # HDL cholesterol (moles/volume)
    "14927-8": "triglycerides",  # triglycerides (moles/volume)
    "59261-8": "hba1c",  # HbA1c by the IFCC protocol (mmol/mol)
}


def catalogue() -> list[MedicalTest]:
    """Every test, retired ones too (their results are kept), in the catalogue's order."""
    return list(MedicalTest.objects.all())


def active_test(code: str, field: str = "test") -> MedicalTest:
    test = MedicalTest.objects.filter(code=code, retired_at__isnull=True).first()
    if test is None:
        raise ServiceError(f"no test {code!r} in the catalogue", code="unknown_test", field=field)
    return test


class TestIndex:
    """The catalogue in memory, found by code or LOINC code (one query)."""

    def __init__(self, tests: list[MedicalTest] | None = None) -> None:
        self.tests = tests if tests is not None else catalogue()
        self.by_id = {t.pk: t for t in self.tests}
        self.by_code = {t.code: t for t in self.tests}
        self.by_loinc = {t.loinc: t for t in self.tests if t.loinc}
        for loinc, code in ALSO_LOINC.items():
            if code in self.by_code:
                self.by_loinc.setdefault(loinc, self.by_code[code])

    def find(self, text: str) -> MedicalTest | None:
        """An active test by its code (any case) or LOINC code."""
        key = text.strip()
        test = self.by_code.get(key) or self.by_code.get(key.lower()) or self.by_loinc.get(key)
        return test if test is not None and test.retired_at is None else None


def chosen_audiences(customer_id: int, tests: list[MedicalTest]) -> dict[int, str]:
    """The audience the customer chose for each test's results (its default if not chosen)."""
    chosen = dict(
        TestAudience.objects.filter(customer_id=customer_id).values_list("test_id", "audience")
    )
    return {t.pk: chosen.get(t.pk, t.default_audience) for t in tests}


def effective_audiences(chosen: dict[int, str], tests: list[MedicalTest]) -> dict[int, str]:
    """The audience that applies to each test's results: the chosen one, and for a derived
    test the narrowest of its own and its sources' (BMI and a weight give the height). A
    source missing from ``tests`` counts as kept to the customer."""
    by_code = {t.code: t for t in tests}
    out = dict(chosen)
    for test in tests:
        for code in DERIVED_FROM.get(test.derived, ()):
            source = by_code.get(code)
            audience = chosen.get(source.pk, Audience.ONLY_ME) if source else Audience.ONLY_ME
            if AUDIENCE_RANK[Audience(audience)] < AUDIENCE_RANK[Audience(out[test.pk])]:
                out[test.pk] = audience
    return out


def audiences_of(customer_id: int, tests: list[MedicalTest]) -> dict[int, str]:
    """The audience that applies to each test's results for this customer (one query)."""
    return effective_audiences(chosen_audiences(customer_id, tests), tests)


@dataclass(frozen=True)
class Subject:
    """What the ranges depend on: the customer's sex and birth date (None: not given)."""

    sex: str = ReferenceRange.Sex.ANY
    birth_date: dt.date | None = None
    zone: str = "UTC"

    def age_at(self, moment: dt.datetime) -> int | None:
        if self.birth_date is None:
            return None
        day = moment.astimezone(zoneinfo.ZoneInfo(self.zone)).date()
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _sex(value: Any) -> str:
    return SEXES.get(str(value or "").strip().lower(), ReferenceRange.Sex.ANY)


def _birth_date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _zone(customer: User) -> str:
    return customer.time_zone if is_time_zone(customer.time_zone) else "UTC"


def subject_of(customer: User) -> Subject:
    """The customer's sex and birth date from their profile, every audience (one query):
    what their own readings, and the interpretation stored with a result, come from."""
    return subjects_of(customer, Relation.SELF).full


@dataclass(frozen=True)
class Subjects:
    """A customer's subject from everything they gave (``full``: the stored
    interpretation), and from what one viewer may see of it (``seen``)."""

    full: Subject
    seen: Subject

    @property
    def differ(self) -> bool:
        return self.full != self.seen


def subjects_of(customer: User, relation: Relation) -> Subjects:
    """The customer's subject in full, and as a viewer in ``relation`` may see it: a sex
    or a birth date whose audience hides it from them (or a retired attribute's, which
    they are not shown) counts as not given. One query."""
    return subjects_of_many([customer], relation)[customer.pk]


def subjects_of_many(customers: list[User], relation: Relation) -> dict[int, Subjects]:
    """``subjects_of`` for each customer (by id), all seen in the same ``relation``: one
    query however many customers (the alert rules' schedule reads a batch at once)."""
    full: dict[int, dict[str, Any]] = {c.pk: {} for c in customers}
    seen: dict[int, dict[str, Any]] = {c.pk: {} for c in customers}
    rows = ProfileValue.objects.filter(
        customer_id__in=list(full), attribute__key__in=(SEX_KEY, BIRTH_DATE_KEY)
    ).values_list(
        "customer_id",
        "attribute__key",
        "value",
        "audience",
        "attribute__display_field",
        "attribute__retired_at",
    )
    for customer_id, key, value, audience, display_field, retired_at in rows:
        full[customer_id][key] = value
        if relation is Relation.SELF or (
            retired_at is None and can_see(relation, audience, display_field=display_field)
        ):
            seen[customer_id][key] = value
    out: dict[int, Subjects] = {}
    for customer in customers:
        zone = _zone(customer)
        mine, shown = full[customer.pk], seen[customer.pk]
        out[customer.pk] = Subjects(
            full=Subject(_sex(mine.get(SEX_KEY)), _birth_date(mine.get(BIRTH_DATE_KEY)), zone),
            seen=Subject(_sex(shown.get(SEX_KEY)), _birth_date(shown.get(BIRTH_DATE_KEY)), zone),
        )
    return out


def subject_from(values: dict[str, Any], time_zone: str) -> Subject:
    """A subject from the profile values (by attribute key: ``sex``, ``birth_date``) one
    viewer may see, read by a caller that fetched them in a statement of its own."""
    zone = time_zone if is_time_zone(time_zone) else "UTC"
    return Subject(_sex(values.get(SEX_KEY)), _birth_date(values.get(BIRTH_DATE_KEY)), zone)


class Ranges:
    """The reference ranges of the catalogue (one query), chosen for a subject."""

    def __init__(self, rows: QuerySet[ReferenceRange] | list[ReferenceRange] | None = None):
        self.by_test: dict[int, list[ReferenceRange]] = defaultdict(list)
        for row in ReferenceRange.objects.all() if rows is None else rows:
            self.by_test[row.test_id].append(row)

    def applying(
        self, test_id: int, subject: Subject, moment: dt.datetime
    ) -> ReferenceRange | None:
        age = subject.age_at(moment)
        best: tuple[tuple[int, int, int], ReferenceRange] | None = None
        for row in self.by_test.get(test_id, ()):
            banded = row.age_min is not None or row.age_max is not None
            if row.sex not in (ReferenceRange.Sex.ANY, subject.sex):
                continue
            if banded and (
                age is None
                or (row.age_min is not None and age < row.age_min)
                or (row.age_max is not None and age >= row.age_max)
            ):
                continue
            width = (row.age_max if row.age_max is not None else 200) - (row.age_min or 0)
            key = (int(banded), int(row.sex != ReferenceRange.Sex.ANY), -width)
            if best is None or key > best[0]:
                best = (key, row)
        return best[1] if best is not None else None


class Reading:
    """A customer's ranges as one viewer reads them. The customer's own readings come from
    all they gave; anyone else's only from the sex and birth date that viewer may see: a
    range or an interpretation never tells what the profile keeps from them. The subject
    is read once (one query) and the ranges when first needed (one more)."""

    def __init__(self, customer: User, relation: Relation) -> None:
        self.customer = customer
        self.relation = relation
        self._subjects: Subjects | None = None
        self._ranges: Ranges | None = None

    @property
    def subjects(self) -> Subjects:
        if self._subjects is None:
            self._subjects = subjects_of(self.customer, self.relation)
        return self._subjects

    @property
    def ranges(self) -> Ranges:
        if self._ranges is None:
            self._ranges = Ranges()
        return self._ranges

    @property
    def differs(self) -> bool:
        """Whether this viewer reads the customer otherwise than the stored readings do
        (never the customer: that takes no query)."""
        return self.relation is not Relation.SELF and self.subjects.differ

    def applying(self, test_id: int, moment: dt.datetime) -> ReferenceRange | None:
        """The range that applies for this viewer at ``moment``."""
        return self.ranges.applying(test_id, self.subjects.seen, moment)

    def interpretation(self, test_id: int, value: float, moment: dt.datetime, stored: str) -> str:
        """The interpretation this viewer is shown: the stored one (made from everything)
        when what they see is everything, else made again from what they see."""
        if not self.differs:
            return stored
        return interpret(self.applying(test_id, moment), value)


def interpret(row: ReferenceRange | None, value: float) -> str:
    """The interpretation ``row`` gives ``value`` ("" when no range applies)."""
    if row is None or all(
        bound is None for bound in (row.low, row.high, row.critical_low, row.critical_high)
    ):
        return Result.Interpretation.NONE
    if row.critical_low is not None and value < row.critical_low:
        return Result.Interpretation.CRITICAL_LOW
    if row.critical_high is not None and value >= row.critical_high:
        return Result.Interpretation.CRITICAL_HIGH
    if row.low is not None and value < row.low:
        return Result.Interpretation.LOW
    if row.high is not None and value >= row.high:
        return Result.Interpretation.HIGH
    return Result.Interpretation.NORMAL


def range_out(row: ReferenceRange | None) -> dict[str, float | None] | None:
    if row is None or all(
        bound is None for bound in (row.low, row.high, row.critical_low, row.critical_high)
    ):
        return None
    return {
        "low": row.low,
        "high": row.high,
        "critical_low": row.critical_low,
        "critical_high": row.critical_high,
    }
