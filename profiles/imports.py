"""What the CSV and FHIR imports share: each row (a line of a file, an entry of a
bundle) checked as a result entered by hand would be (the test, the unit and its
conversion, plausibility, no future date), duplicates flagged (within the file, and
against the results stored), a preview of what would be stored, and the valid rows
stored in one transaction (source ``imported``), BMI derived again once at the end.

Errors name the row's own field: a CSV column (``unit``) beside the row's line number, or
a path into the bundle (``entry.3.valueQuantity.unit``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.errors import Conflict, ServiceError
from profiles.catalogue import interpret
from profiles.models import MedicalTest, Result
from profiles.records import Record, audit_read, audit_write, open_record
from profiles.results import (
    STORED_DECIMALS,
    after_body_change,
    check_may_enter,
    check_taken_at,
    check_value,
    tell,
)
from profiles.units import label, to_canonical

MAX_ROWS = 5000


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


@dataclass
class Row:
    """One row as read from the file, with the names of its fields for errors."""

    ref: dict[str, int]  # {"line": 3} or {"entry": 2}
    test: str = ""
    value: float | None = None
    value_text: str = ""
    unit: str = ""
    taken_at: dt.datetime | None = None
    taken_text: str = ""
    note: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # our name -> the file's name
    error: tuple[str, str] | None = None  # a reading error already: (field, message)

    def name(self, key: str) -> str:
        return self.fields.get(key, key)


@dataclass
class Checked:
    row: Row
    test: MedicalTest | None = None
    value: float = 0.0
    unit: str = ""
    interpretation: str = ""  # stored: from all the customer gave
    shown: str = ""  # in the answer: from what the importer may see (the same for the customer)
    error: tuple[str, str] | None = None
    duplicate: bool = False
    stored_id: int | None = None
    found: str = ""  # the test's code, once found in the catalogue


def check_rows(record: Record, rows: list[Row]) -> list[Checked]:
    """Every row checked; the stored results they would collide with found in one query.
    Each valid row's interpretation is made from everything the customer gave (what is
    stored) and, in the answer, from what the importer may see of it."""
    reading = record.reading
    full = reading.subjects.full
    out: list[Checked] = []
    seen: set[tuple[int, dt.datetime]] = set()
    for row in rows:
        checked = _check(record, row)
        out.append(checked)
        if checked.error is None and checked.test is not None:
            assert row.taken_at is not None
            key = (checked.test.pk, row.taken_at)
            if key in seen:
                checked.duplicate = True
                checked.error = (row.name("taken_at"), "the same test at the same moment "
                                 "comes earlier in this file")  # fmt: skip
            seen.add(key)
            found = reading.ranges.applying(checked.test.pk, full, row.taken_at)
            checked.interpretation = interpret(found, checked.value)
            checked.shown = reading.interpretation(
                checked.test.pk, checked.value, row.taken_at, checked.interpretation
            )
    _flag_stored(record, out)
    return out


def _check(record: Record, row: Row) -> Checked:
    checked = Checked(row)
    if row.error is not None:
        checked.error = row.error
        return checked
    test = record.index.find(row.test)
    if test is not None and not record.visible(test):
        test = None  # a test kept from the importer reads as one the catalogue lacks
    checked.found = test.code if test is not None else ""
    try:
        if test is None:
            raise ServiceError(f"no test {row.test!r} in the catalogue", field="test")
        check_may_enter(record, test)
        if row.value is None:
            raise ServiceError("a number is needed here", field="value")
        canonical, code = to_canonical(test, row.value, row.unit)
        check_value(test, canonical, code)
        if row.taken_at is None:
            raise ServiceError("when it was taken is needed here", field="taken_at")
        row.taken_at = check_taken_at(row.taken_at)
    except ServiceError as exc:
        checked.error = (row.name(exc.field or "value"), exc.message)
        return checked
    checked.test, checked.value, checked.unit = test, round(canonical, STORED_DECIMALS), code
    return checked


def _flag_stored(record: Record, rows: list[Checked]) -> None:
    candidates = [c for c in rows if c.error is None and c.test is not None]
    if not candidates:
        return
    moments = [c.row.taken_at for c in candidates if c.row.taken_at is not None]
    stored = set(
        Result.objects.filter(
            customer=record.customer,
            superseded_at__isnull=True,
            test_id__in={c.test.pk for c in candidates if c.test is not None},
            taken_at__gte=min(moments),
            taken_at__lte=max(moments),
        ).values_list("test_id", "taken_at")
    )
    for c in candidates:
        assert c.test is not None
        if (c.test.pk, c.row.taken_at) in stored:
            c.duplicate = True
            c.error = (c.row.name("taken_at"), "a result of this test taken at this moment "
                       "is stored already")  # fmt: skip


def import_rows(
    actor: User, customer_id: int, read: Callable[[str], list[Row]], commit: bool
) -> dict[str, Any]:
    """The preview of the rows ``read`` finds (given the customer's time zone, for times
    without an offset; ``commit`` false: nothing is stored), or the valid rows stored in
    one transaction and the answer saying what was stored and what was not. The file is
    read once the viewer may write to this record."""
    with transaction.atomic():
        record = open_record(actor, customer_id)
        checked = check_rows(record, read(record.reading.subjects.full.zone))
        if commit:
            _store(record, checked)
            audit_write(record, "import")
        else:
            audit_read(record, "results", action="preview")
    return answer(checked, committed=commit)


def _store(record: Record, rows: list[Checked]) -> None:
    valid = [c for c in rows if c.error is None and c.test is not None]
    now = timezone.now()
    results = [
        Result(
            customer=record.customer,
            test=c.test,
            value=c.value,
            entered_value=c.row.value_text[:32],
            entered_unit=c.unit,
            taken_at=c.row.taken_at or now,  # a valid row has its moment
            recorded_at=now,
            source=Result.Source.IMPORTED,
            entered_by=record.viewer,
            note=c.row.note[:500],
            interpretation=c.interpretation,
        )
        for c in valid
    ]
    try:
        with transaction.atomic():
            stored = Result.objects.bulk_create(results, batch_size=1000)
    except IntegrityError:  # stored by another request since the check
        raise Conflict(
            "some of these results were stored meanwhile: preview again", code="duplicate"
        ) from None
    for c, result in zip(valid, stored, strict=True):
        c.stored_id = result.pk
    changed: dict[str, list[dt.datetime]] = {}
    for result in stored:
        changed.setdefault(result.test.code, []).append(result.taken_at)
    derived = after_body_change(record, changed)
    tell(record, [*stored, *derived])


def answer(rows: list[Checked], committed: bool) -> dict[str, Any]:
    out = []
    for c in rows:
        row = c.row
        out.append(
            {
                **row.ref,
                "test": c.found or row.test,
                "value": row.value_text,
                "unit": row.unit,
                "taken_at": row.taken_at.isoformat() if row.taken_at else row.taken_text,
                "stored_value": c.value if c.test is not None and c.error is None else None,
                "stored_unit": c.test.unit if c.test is not None and c.error is None else None,
                "stored_unit_label": label(c.test.unit) if c.test is not None else None,
                "interpretation": c.shown if c.error is None else "",
                "error": {"field": c.error[0], "message": c.error[1]} if c.error else None,
                "duplicate": c.duplicate,
                "id": c.stored_id,
            }
        )
    valid = sum(1 for c in rows if c.error is None)
    stored = sum(1 for c in rows if c.stored_id is not None)
    return {
        "rows": out,
        "valid": valid,
        "invalid": len(rows) - valid,
        "committed": committed,
        "stored": stored,
        "skipped": len(rows) - stored if committed else 0,
    }
