"""Reading results for the pages and the API: the tests with each one's latest result and
the range that applies, the results newest first (keyset pages on ``(taken_at, id)``), a
series for a chart, and a result's versions. Only the tests the viewer may see; a few
queries each, however many results (the tests, the audiences, the results); a read by
someone else is one entry in the customer's access log per request.

A chart's series holds the current values oldest first. Up to ``MAX_POINTS`` (2,000) it
is every value; beyond, the span is cut into ``MAX_POINTS / 2`` equal time buckets and
each bucket keeps its lowest and highest value (in time order), so no extreme is lost:
ten years of daily weights (3,650 values) become at most 2,000 points.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.db.models import Count, FloatField, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import User
from core.errors import NotFound, ServiceError
from profiles.catalogue import (
    BIRTH_DATE_KEY,
    DERIVED_FROM,
    SEX_KEY,
    Ranges,
    Reading,
    interpret,
    range_out,
    subject_of,
)
from profiles.models import Attribute, MedicalTest, ProfileValue, Result
from profiles.permissions import Relation
from profiles.records import Record, audit_read, open_record
from profiles.units import accepted_units, label

MAX_POINTS = 2000
MAX_HISTORY = 100


def result_out(result: Result, test: MedicalTest, reading: Reading) -> dict[str, Any]:
    """A result as the viewer ``reading`` is for sees it (its interpretation from what they
    may see of the customer's sex and birth date)."""
    by = result.entered_by
    return {
        "id": result.pk,
        "test": test.code,
        "value": result.value,
        "unit": test.unit,
        "entered_value": result.entered_value,
        "entered_unit": result.entered_unit,
        "taken_at": result.taken_at,
        "recorded_at": result.recorded_at,
        "source": result.source,
        "entered_by": {"id": by.pk, "name": by.public_name()} if by is not None else None,
        "note": result.note,
        "interpretation": reading.interpretation(
            test.pk, result.value, result.taken_at, result.interpretation
        ),
        "amended": result.replaces_id is not None,
        "replaces": result.replaces_id,
        "reason": result.reason,
        "superseded_at": result.superseded_at,
    }


def test_out(test: MedicalTest, locale: str) -> dict[str, Any]:
    """A test of the catalogue (``GET /api/tests``)."""
    units = accepted_units(test)
    return {
        "code": test.code,
        "name": test.name(locale),
        "loinc": test.loinc,
        "category": test.category,
        "unit": test.unit,
        "input_units": units[1:],
        "unit_labels": {u: label(u) for u in units},
        "decimals": test.decimals,
        "derived": bool(test.derived),
        "derived_from": list(DERIVED_FROM.get(test.derived, ())),
        "plausible_min": test.plausible_min,
        "plausible_max": test.plausible_max,
    }


def _visible_test(record: Record, code: str) -> MedicalTest:
    test = record.index.by_code.get(code)
    if test is None or not record.visible(test):
        raise NotFound("no such test in this record")
    return test


def tests_summary(viewer: User, customer_id: int, locale: str) -> dict[str, Any]:
    """Each test the viewer may see: the customer's audience for it, the range that
    applies now, the latest result and how many there are. Active tests, and retired
    ones that have results."""
    record = open_record(viewer, customer_id)
    current = Result.objects.filter(
        customer=record.customer, test=OuterRef("pk"), superseded_at__isnull=True
    )
    rows = (
        MedicalTest.objects.filter(pk__in=[t.pk for t in record.visible_tests()])
        .annotate(
            latest_id=Subquery(current.order_by("-taken_at", "-id").values("id")[:1]),
            count=Subquery(
                current.order_by().values("test").annotate(n=Count("id")).values("n"),
                output_field=IntegerField(),
            ),
        )
        .values_list("pk", "latest_id", "count")
    )
    found = {pk: (latest_id, count or 0) for pk, latest_id, count in rows}
    latest = Result.objects.in_bulk([x[0] for x in found.values() if x[0] is not None])
    reading = record.reading
    now = timezone.now()
    # The customer's own choice on their record; for the care team, the one that applies.
    shown_audience = record.chosen if record.relation is Relation.SELF else record.audiences
    items = []
    for test in record.visible_tests():
        latest_id, count = found.get(test.pk, (None, 0))
        if test.retired_at is not None and not count:
            continue
        result = latest.get(latest_id) if latest_id is not None else None
        items.append(
            {
                **test_out(test, locale),
                "audience": shown_audience[test.pk],
                "range": range_out(reading.applying(test.pk, now)),
                "latest": None
                if result is None
                else {
                    "id": result.pk,
                    "value": result.value,
                    "unit": test.unit,
                    "taken_at": result.taken_at,
                    "interpretation": reading.interpretation(
                        test.pk, result.value, result.taken_at, result.interpretation
                    ),
                },
                "count": count,
            }
        )
    audit_read(record, "results")
    return {"customer": {"id": record.customer.pk, "name": record.customer.public_name()},
            "mine": not record.by_other, "tests": items}  # fmt: skip


def encode_cursor(result: Result) -> str:
    raw = f"{result.taken_at.isoformat()}|{result.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, pk = raw.partition("|")
        taken_at = dt.datetime.fromisoformat(moment)
        if taken_at.tzinfo is None:
            raise ValueError("naive")
        return taken_at, int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ServiceError(
            "not a cursor this list gave", code="invalid_field", field="cursor"
        ) from None


def results_page(
    viewer: User,
    customer_id: int,
    *,
    test: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Current results newest first, ``limit`` at a time; ``next_cursor`` continues."""
    record = open_record(viewer, customer_id)
    tests = [_visible_test(record, test)] if test else record.visible_tests()
    rows = Result.objects.filter(
        customer=record.customer, superseded_at__isnull=True, test_id__in=[t.pk for t in tests]
    )
    if since is not None:
        rows = rows.filter(taken_at__gte=since)
    if until is not None:
        rows = rows.filter(taken_at__lt=until)
    if cursor:
        taken_at, pk = decode_cursor(cursor)
        rows = rows.filter(Q(taken_at__lt=taken_at) | Q(taken_at=taken_at, id__lt=pk))
    page = list(rows.select_related("entered_by").order_by("-taken_at", "-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    audit_read(record, "results")
    return {
        "items": [result_out(r, record.index.by_id[r.test_id], record.reading) for r in page],
        "next_cursor": encode_cursor(page[-1]) if more and page else None,
    }


class Epoch(Func):
    """A moment as seconds since 1970 (UTC), a float: reading thousands of moments this
    way is several times cheaper than as aware datetimes."""

    output_field = FloatField()
    template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra)


def series(
    viewer: User,
    customer_id: int,
    *,
    test: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict[str, Any]:
    """One test's current values oldest first, for a chart (see the module's note)."""
    record = open_record(viewer, customer_id)
    found = _visible_test(record, test)
    rows = Result.objects.filter(customer=record.customer, test=found, superseded_at__isnull=True)
    if since is not None:
        rows = rows.filter(taken_at__gte=since)
    if until is not None:
        rows = rows.filter(taken_at__lt=until)
    values = list(
        rows.order_by("taken_at", "id")
        .annotate(t=Epoch("taken_at"))
        .values_list("t", "value", "interpretation")
    )
    points = downsample(values, MAX_POINTS)
    reading = record.reading
    utc = dt.UTC
    if reading.differs:  # interpreted from what this viewer may see
        points = [
            (t, v, interpret(reading.applying(found.pk, dt.datetime.fromtimestamp(t, utc)), v))
            for t, v, _ in points
        ]
    applying = reading.applying(found.pk, timezone.now())
    audit_read(record, "results")
    return {
        "test": found.code,
        "unit": found.unit,
        "unit_label": label(found.unit),
        "decimals": found.decimals,
        "range": range_out(applying),
        "count": len(values),
        "downsampled": len(points) < len(values),
        "points": [
            {"t": dt.datetime.fromtimestamp(t, utc).isoformat(), "v": v, "i": i}
            for t, v, i in points
        ],
    }


# (seconds since 1970, value, interpretation)
Point = tuple[float, float, str]


def downsample(points: list[Point], most: int) -> list[Point]:
    """``points`` (in time order) if there are at most ``most``; else the lowest and the
    highest of each of ``most // 2`` equal time buckets, in time order. One pass."""
    if len(points) <= most:
        return points
    buckets = max(1, most // 2)
    first = points[0][0]
    scale = buckets / ((points[-1][0] - first) or 1.0)
    kept: list[Point] = []
    current = -1
    low = high = points[0]
    for point in points:
        bucket = min(buckets - 1, int((point[0] - first) * scale))
        if bucket != current:
            if current >= 0:
                _keep(kept, low, high)
            current, low, high = bucket, point, point
        elif point[1] < low[1]:
            low = point
        elif point[1] > high[1]:
            high = point
    _keep(kept, low, high)
    return kept


def _keep(kept: list[Point], low: Point, high: Point) -> None:
    if low is high:
        kept.append(low)
    else:
        kept.extend((low, high) if low[0] < high[0] else (high, low))


def history(viewer: User, result_id: int) -> list[dict[str, Any]]:
    """Every version of a result, the first first: what it replaced, and what replaced it."""
    result = Result.objects.select_related("entered_by").filter(pk=result_id).first()
    if result is None:
        raise NotFound("no such result")
    try:
        record = open_record(viewer, result.customer_id)
    except NotFound:
        raise NotFound("no such result") from None
    test = record.index.by_id[result.test_id]
    if not record.visible(test):
        raise NotFound("no such result")
    chain = [result]
    while chain[0].replaces_id is not None and len(chain) < MAX_HISTORY:
        earlier = Result.objects.select_related("entered_by").get(pk=chain[0].replaces_id)
        chain.insert(0, earlier)
    while len(chain) < MAX_HISTORY:
        later = Result.objects.select_related("entered_by").filter(replaces=chain[-1]).first()
        if later is None:
            break
        chain.append(later)
    audit_read(record, "results")
    return [result_out(r, test, record.reading) for r in chain]


def written_out(actor: User, result: Result) -> dict[str, Any]:
    """A result just added or corrected, as ``actor`` (the customer, or a professional of
    their care team, checked by the write) may see it."""
    relation = Relation.SELF if actor.pk == result.customer_id else Relation.CARE
    return result_out(result, result.test, Reading(result.customer, relation))


def reinterpret(customer: User) -> int:
    """Interpret every result of ``customer`` again (after their sex or birth date
    changed): the rows whose interpretation changes are updated. Returns how many."""
    subject = subject_of(customer)
    ranges = Ranges()
    changed = []
    for result in Result.objects.filter(customer=customer).only(
        "id", "test_id", "value", "taken_at", "interpretation"
    ):
        now = interpret(ranges.applying(result.test_id, subject, result.taken_at), result.value)
        if now != result.interpretation:
            result.interpretation = now
            changed.append(result)
    Result.objects.bulk_update(changed, ["interpretation"], batch_size=1000)
    return len(changed)


@receiver(post_save, sender=ProfileValue)
@receiver(post_delete, sender=ProfileValue)
def _reinterpret_when_sex_or_age_changes(
    sender: type[ProfileValue], instance: ProfileValue, **kwargs: Any
) -> None:
    """However a profile value changes: when it is the sex or the birth date, the ranges
    that apply to the customer's results may be others."""
    keys = (SEX_KEY, BIRTH_DATE_KEY)
    if Attribute.objects.filter(pk=instance.attribute_id, key__in=keys).exists():
        customer = User.objects.filter(pk=instance.customer_id).first()
        if customer is not None:
            reinterpret(customer)
