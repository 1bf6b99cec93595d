"""Recording results, correcting them, and who sees each test's results.

A result is entered by the customer (source ``self``) or by a professional of their care
team (``care_team``; only for tests shared with the care team), in any unit the test
accepts: it is stored in the test's canonical unit and as entered, refused when
implausible or taken in the future, interpreted by the range that applies to the customer
when it was taken. The same test at the same moment twice is a conflict (409
``duplicate``).

A correction never overwrites: the new version ``replaces`` the old one, which is kept
with ``superseded_at`` set and the reason on the new one. The customer corrects any of
their results; a professional only those they entered, and only while in the care team.

BMI is derived, never entered: whenever a weight or a height is written or corrected,
the BMI at each weight's moment is computed again from the latest height at or before it
(source ``derived``), and a BMI that changes is corrected like any result.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.bounds import EARLIEST, LATEST, SPAN
from accounts.models import User
from accounts.signals import narrow_rights
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from profiles.access import care_team_of
from profiles.catalogue import TEST_AUDIENCES, Ranges, Subject, chosen_audiences, interpret
from profiles.models import MedicalTest, ReferenceRange, Result, TestAudience
from profiles.permissions import Relation, check_own_record, narrower
from profiles.records import Record, audit_write, open_record
from profiles.signals import results_written
from profiles.topics import tell_audience, tell_result
from profiles.units import from_canonical, label, to_canonical

# A result taken "now" on a phone whose clock runs a little ahead is not in the future.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Canonical values are kept to this many decimals (pint's arithmetic leaves 1e-15 noise).
STORED_DECIMALS = 4
WEIGHT, HEIGHT, BMI = "weight", "height", "bmi"


def entered_text(value: float | str) -> str:
    """The value as the person wrote it (a number sent as JSON: without a trailing .0)."""
    if isinstance(value, str):
        return value.strip()[:32]
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))[:32]


def _number(value: float, decimals: int = 4) -> str:
    return f"{value:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:,.0f}"


def check_value(test: MedicalTest, value: float, entered_unit: str, field: str = "value") -> None:
    """Refuses a value no person could have (in the canonical unit), saying the bounds in
    the unit it was entered in too."""
    low, high = test.plausible_min, test.plausible_max
    if math.isfinite(value) and low <= value <= high:
        return
    bounds = f"{_number(low)} to {_number(high)} {label(test.unit)}"
    if entered_unit != test.unit:
        converted = sorted(from_canonical(test, x, entered_unit) for x in (low, high))
        shown = [_number(x, test.decimals + 1) for x in converted]
        bounds += f" ({shown[0]} to {shown[1]} {label(entered_unit)})"
    raise ServiceError(
        f"{test.name()} must be from {bounds}: this value is not possible",
        code="implausible",
        field=field,
    )


def check_taken_at(moment: dt.datetime, field: str = "taken_at") -> dt.datetime:
    if moment.tzinfo is None:
        raise ServiceError("give the time with its UTC offset", code="invalid_field", field=field)
    # The year first: an aware time near year 1 or 9999 may not convert to UTC.
    if not EARLIEST.year - 1 <= moment.year <= LATEST.year or not EARLIEST <= moment < LATEST:
        raise ServiceError(f"must be {SPAN}", code="invalid_field", field=field)
    if moment > timezone.now() + CLOCK_SKEW:
        raise ServiceError(
            "a result cannot be taken in the future", code="future_date", field=field
        )
    return moment.astimezone(dt.UTC)


def duplicate(test: MedicalTest, moment: dt.datetime, field: str = "taken_at") -> Conflict:
    return Conflict(
        f"a {test.name()} result taken at that moment is stored already: correct it instead",
        code="duplicate",
        field=field,
    )


def check_may_enter(record: Record, test: MedicalTest, field: str = "test") -> None:
    if test.derived:
        raise ServiceError(
            f"{test.name()} is computed from other results, never entered",
            code="derived_test",
            field=field,
        )
    if not record.visible(test):
        raise Forbidden(f"{test.name()} is not shared with the care team", field=field)


def _active(record: Record, code: str) -> MedicalTest:
    test = record.index.by_code.get(code)
    if test is None or test.retired_at is not None:
        raise ServiceError(f"no test {code!r} in the catalogue", code="unknown_test", field="test")
    return test


def record_result(
    actor: User,
    customer_id: int,
    *,
    test_code: str,
    value: float,
    unit: str,
    taken_at: dt.datetime,
    note: str = "",
) -> Result:
    """A new result, by the customer or a professional of their care team."""
    with transaction.atomic():
        record = open_record(actor, customer_id)
        test = _active(record, test_code)
        check_may_enter(record, test)
        canonical, code = to_canonical(test, value, unit)
        check_value(test, canonical, code)
        moment = check_taken_at(taken_at)
        current = Result.objects.filter(customer=record.customer, superseded_at__isnull=True)
        if current.filter(test=test, taken_at=moment).exists():
            raise duplicate(test, moment)
        subject = record.reading.subjects.full
        ranges = Ranges(ReferenceRange.objects.filter(test=test))
        result = _insert(
            Result(
                customer=record.customer,
                test=test,
                value=round(canonical, STORED_DECIMALS),
                entered_value=entered_text(value),
                entered_unit=code,
                taken_at=moment,
                source=record.source,
                entered_by=actor,
                note=note.strip(),
                interpretation=interpret(ranges.applying(test.pk, subject, moment), canonical),
            ),
            test,
        )
        derived = after_body_change(record, {test.code: [moment]}, subject)
        audit_write(record, "add")
        tell(record, [result, *derived])
    return result


def _insert(result: Result, test: MedicalTest) -> Result:
    try:
        with transaction.atomic():
            result.save()
    except IntegrityError:  # the same moment stored by a request running beside this one
        raise duplicate(test, result.taken_at) from None
    return result


def amend_result(
    actor: User,
    result_id: int,
    *,
    value: float,
    unit: str,
    reason: str,
    taken_at: dt.datetime | None = None,
    note: str | None = None,
) -> Result:
    """A corrected version of a result; the old one is kept, superseded."""
    with transaction.atomic():
        old = Result.objects.select_for_update().filter(pk=result_id).first()
        if old is None:
            raise NotFound("no such result")
        try:
            record = open_record(actor, old.customer_id)
        except NotFound:
            raise NotFound("no such result") from None
        test = record.index.by_id[old.test_id]
        if not record.visible(test):
            raise NotFound("no such result")
        if record.relation is Relation.CARE and old.entered_by_id != actor.pk:
            raise Forbidden("only the customer, or the professional who entered it, corrects it")
        if test.derived:
            raise ServiceError(
                f"{test.name()} is computed from other results: correct those",
                code="derived_test",
                field="test",
            )
        if old.superseded_at is not None:
            raise Conflict(
                "this version was corrected already: correct the current one",
                code="superseded",
            )
        reason = reason.strip()
        if not reason:
            raise ServiceError("say why it is corrected", code="reason_required", field="reason")
        canonical, code = to_canonical(test, value, unit)
        check_value(test, canonical, code)
        moment = old.taken_at if taken_at is None else check_taken_at(taken_at)
        current = Result.objects.filter(customer_id=old.customer_id, superseded_at__isnull=True)
        if moment != old.taken_at and current.filter(test=test, taken_at=moment).exists():
            raise duplicate(test, moment)
        subject = record.reading.subjects.full
        ranges = Ranges(ReferenceRange.objects.filter(test=test))
        old.superseded_at = timezone.now()
        old.save(update_fields=["superseded_at"])
        new = _insert(
            Result(
                customer=record.customer,
                test=test,
                value=round(canonical, STORED_DECIMALS),
                entered_value=entered_text(value),
                entered_unit=code,
                taken_at=moment,
                source=record.source,
                entered_by=actor,
                note=old.note if note is None else note.strip(),
                interpretation=interpret(ranges.applying(test.pk, subject, moment), canonical),
                replaces=old,
                reason=reason[:200],
            ),
            test,
        )
        derived = after_body_change(record, {test.code: [old.taken_at, moment]}, subject)
        audit_write(record, "amend")
        tell(record, [new, *derived])
    return new


def tell(record: Record, results: Iterable[Result]) -> None:
    """On the customer's health topic, after the commit: each test whose results the care
    team sees and that changed, once, with its latest result id (never a value)."""
    results = list(results)
    written = [result.pk for result in results]
    customer_id = record.customer.pk
    transaction.on_commit(
        lambda: results_written.send(Result, customer_id=customer_id, result_ids=written)
    )
    latest: dict[int, Result] = {}
    for result in results:
        test = record.index.by_id.get(result.test_id)
        if test is not None and record.care_sees(test):
            latest[test.pk] = result
    for test_id, result in latest.items():
        tell_result(record.customer.pk, record.index.by_id[test_id].code, result.pk)


def set_test_audience(actor: User, customer_id: int, code: str, audience: str) -> str:
    """Who sees this test's results: only the customer, or their care team too. Narrowing
    re-checks the care team's open sockets at once; any change is told on the customer's
    health topic (without the test), so an open page reads what it may see again."""
    check_own_record(actor, customer_id)
    test = MedicalTest.objects.filter(code=code).first()
    if test is None:
        raise NotFound("no such test")
    if audience not in TEST_AUDIENCES:
        raise ServiceError(
            "a test's results are for you only or your care team (never the community)",
            code="invalid_field",
            field="audience",
        )
    with transaction.atomic():
        before = chosen_audiences(customer_id, [test])[test.pk]
        TestAudience.objects.update_or_create(
            customer_id=customer_id, test=test, defaults={"audience": audience}
        )
        if narrower(audience, before):
            narrow_rights(sorted(care_team_of(customer_id)), customer_id=customer_id)
        if audience != before:
            tell_audience(customer_id)
    return audience


# --- BMI, derived from weight and height ----------------------------------------------


@dataclass
class BodyChange:
    """What to derive again after weights or heights changed: weights at these moments,
    or every weight from ``since`` on (a height changes the BMI of the weights after it)."""

    moments: set[dt.datetime]
    since: dt.datetime | None


def after_body_change(
    record: Record, changed: dict[str, list[dt.datetime]], subject: Subject | None = None
) -> list[Result]:
    """Derive BMI again after the weights or heights at these moments changed."""
    heights = changed.get(HEIGHT, [])
    if heights:
        change = BodyChange(set(), min(heights))
    elif changed.get(WEIGHT):
        change = BodyChange(set(changed[WEIGHT]), None)
    else:
        return []
    return rederive_bmi(record, change, subject)


def rederive_bmi(
    record: Record, change: BodyChange, subject: Subject | None = None
) -> list[Result]:
    """BMI at each current weight's moment (of ``change``) from the latest current height
    at or before it: new where missing, corrected where it differs, superseded where the
    weight or the height is gone. Returns the new BMI results. A few queries however many
    weights."""
    tests = record.index.by_code
    weight, height, bmi = tests.get(WEIGHT), tests.get(HEIGHT), tests.get(BMI)
    if weight is None or height is None or bmi is None or bmi.retired_at is not None:
        return []
    # One derivation at a time per customer: another request's weights and heights are
    # read once it has committed, and its BMIs are not made twice. (NO KEY UPDATE: the
    # results' foreign keys to the customer do not wait on it, nor it on them.)
    list(
        User.objects.select_for_update(no_key=True)
        .filter(pk=record.customer.pk)
        .values_list("pk", flat=True)
    )
    current = Result.objects.filter(customer=record.customer, superseded_at__isnull=True)
    height_rows = list(
        current.filter(test=height).order_by("taken_at").values_list("taken_at", "value")
    )
    height_times = [t for t, _ in height_rows]
    weights = current.filter(test=weight)
    existing = current.filter(test=bmi)
    if change.since is not None:
        weights = weights.filter(taken_at__gte=change.since)
        existing = existing.filter(taken_at__gte=change.since)
    else:
        weights = weights.filter(taken_at__in=change.moments)
        existing = existing.filter(taken_at__in=change.moments)
    wanted: dict[dt.datetime, float] = {}
    for moment, kg in weights.values_list("taken_at", "value"):
        i = bisect.bisect_right(height_times, moment) - 1
        if i < 0:
            continue
        value = round(kg / (height_rows[i][1] / 100) ** 2, STORED_DECIMALS)
        if bmi.plausible_min <= value <= bmi.plausible_max:
            wanted[moment] = value
    stale: list[Result] = []
    replaced: dict[dt.datetime, Result] = {}
    for old in existing:
        want = wanted.get(old.taken_at)
        if want is None:
            stale.append(old)
        elif abs(old.value - want) > 10**-STORED_DECIMALS / 2:
            stale.append(old)
            replaced[old.taken_at] = old
        else:
            wanted.pop(old.taken_at)
    if not wanted and not stale:
        return []
    now = timezone.now()
    Result.objects.filter(pk__in=[r.pk for r in stale]).update(superseded_at=now)
    subject = subject or record.reading.subjects.full
    ranges = Ranges(ReferenceRange.objects.filter(test=bmi))
    fresh = [
        Result(
            customer=record.customer,
            test=bmi,
            value=value,
            entered_value=entered_text(value),
            entered_unit=bmi.unit,
            taken_at=moment,
            recorded_at=now,
            source=Result.Source.DERIVED,
            entered_by=record.viewer,
            interpretation=interpret(ranges.applying(bmi.pk, subject, moment), value),
            replaces=replaced.get(moment),
            reason="weight or height changed" if moment in replaced else "",
        )
        for moment, value in sorted(wanted.items())
    ]
    try:
        with transaction.atomic():
            return Result.objects.bulk_create(fresh, batch_size=1000)
    except IntegrityError:  # a BMI at one of these moments stored beside this request
        raise Conflict(
            "the results changed meanwhile: try again", code="duplicate", field="taken_at"
        ) from None
