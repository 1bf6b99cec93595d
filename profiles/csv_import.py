"""Lab files as CSV: a header row naming the columns ``test`` (the catalogue's code or a
LOINC code), ``value``, ``unit``, ``taken_at`` (ISO 8601, a date and time, or a day:
midnight; without an offset, in the customer's time zone) and optionally ``note``, in any
order; other columns are ignored. Commas, semicolons or tabs separate the columns; in a
file that is not comma-separated a decimal comma is read as a point ("5,4"). At most
1 MB and 5,000 rows. Each bad row is named by its line and its column; the checks,
preview and commit are those of ``profiles.imports``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from typing import Any

from accounts.models import User
from core.errors import ServiceError
from profiles.imports import MAX_ROWS, Row, TooLarge, import_rows

MAX_BYTES = 1024 * 1024
COLUMNS = ("test", "value", "unit", "taken_at", "note")
REQUIRED = ("test", "value", "unit", "taken_at")
NUMBER = re.compile(r"[+-]?(\d+([.]\d*)?|[.]\d+)([eE][+-]?\d+)?")
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def import_csv(actor: User, customer_id: int, text: str, commit: bool) -> dict[str, Any]:
    """Preview (``commit`` false) or store the rows of a CSV lab file as results."""
    if len(text.encode()) > MAX_BYTES:
        raise TooLarge("the file is over 1 MB: split it", field="csv")
    return import_rows(actor, customer_id, lambda zone: read_csv(text, zone), commit)


def read_csv(text: str, zone: str) -> list[Row]:
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ServiceError("the file is empty", code="invalid_csv", field="csv") from None
    except csv.Error as exc:
        raise ServiceError(f"not a CSV file: {exc}", code="invalid_csv", field="csv") from None
    names = [h.strip().lower().replace(" ", "_") for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ServiceError(
            f"the first row names the columns; missing: {', '.join(missing)}",
            code="invalid_csv",
            field="csv",
        )
    where = {c: names.index(c) for c in COLUMNS if c in names}
    rows: list[Row] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise ServiceError(
                    f"at most {MAX_ROWS:,} rows in one file: split it",
                    code="too_many_rows",
                    field="csv",
                )
            rows.append(read_row(reader.line_num, cells, where, delimiter, zone))
    except csv.Error as exc:
        raise ServiceError(
            f"line {reader.line_num}: {exc}", code="invalid_csv", field="csv"
        ) from None
    return rows


def read_row(line: int, cells: list[str], where: dict[str, int], delimiter: str, zone: str) -> Row:
    def cell(name: str) -> str:
        i = where.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    row = Row(ref={"line": line}, test=cell("test"), unit=cell("unit"), note=cell("note"))
    row.value_text, row.taken_text = cell("value"), cell("taken_at")
    for name in REQUIRED:
        if not cell(name):
            row.error = (name, f"the {name.replace('_', ' ')} is needed")
            return row
    number = row.value_text.replace(" ", "")
    if delimiter != "," and DECIMAL_COMMA.fullmatch(number):
        number = number.replace(",", ".")
    if not NUMBER.fullmatch(number):
        row.error = ("value", f"{row.value_text!r} is not a number")
        return row
    row.value = float(number)
    row.taken_at = parse_moment(row.taken_text, zone)
    if row.taken_at is None:
        row.error = ("taken_at", f"{row.taken_text!r} is not an ISO 8601 date or date and time")
    return row


def parse_moment(text: str, zone: str) -> dt.datetime | None:
    """An ISO 8601 date and time (with an offset, or in ``zone``), or a day (its midnight
    in ``zone``)."""
    tz = zoneinfo.ZoneInfo(zone)
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=tz)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
