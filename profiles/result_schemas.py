"""The HTTP shapes of tests and results (``profiles.results_api``)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from accounts.bounds import BoundedDatetime
from accounts.schemas import Input


class ResultIn(Input):
    test: str = Field(max_length=40, description="the catalogue's code (GET /api/tests)")
    value: float = Field(allow_inf_nan=False, description="in ``unit``")
    unit: str = Field(max_length=32, description="a UCUM code the test accepts (or 'lb', 'in')")
    taken_at: BoundedDatetime
    note: str = Field(default="", max_length=500)


class AmendIn(Input):
    value: float = Field(allow_inf_nan=False)
    unit: str = Field(max_length=32)
    taken_at: BoundedDatetime | None = None
    note: str | None = Field(default=None, max_length=500)
    reason: str = Field(max_length=200, description="why it is corrected (required)")


class AudienceIn(Input):
    audience: str = Field(max_length=16, description="only_me or care_team")


class ResultsQuery(Input):
    test: str | None = Field(default=None, max_length=40)
    since: BoundedDatetime | None = Field(default=None, description="taken at or after")
    until: BoundedDatetime | None = Field(default=None, description="taken before")
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=200)


class SeriesQuery(Input):
    test: str = Field(max_length=40)
    since: BoundedDatetime | None = None
    until: BoundedDatetime | None = None


class CsvIn(Input):
    csv: str = Field(description="the file's text, header row first (at most 1 MB)")
    commit: bool = False


class TestOut(Schema):
    code: str
    name: str
    loinc: str
    category: str
    unit: str
    input_units: list[str]
    unit_labels: dict[str, str]
    decimals: int
    derived: bool
    derived_from: list[str] = Field(
        description="for a derived test, the tests it is computed from (the care team sees "
        "it only while it sees them all)"
    )
    plausible_min: float
    plausible_max: float


class RangeOut(Schema):
    low: float | None
    high: float | None
    critical_low: float | None
    critical_high: float | None


class LatestOut(Schema):
    id: int
    value: float
    unit: str
    taken_at: datetime
    interpretation: str


class CustomerTestOut(TestOut):
    audience: str = Field(
        description="the customer's own choice (on their record); for the care team, the one "
        "that applies"
    )
    range: RangeOut | None
    latest: LatestOut | None
    count: int


class PersonOut(Schema):
    id: int
    name: str


class CustomerTestsOut(Schema):
    customer: PersonOut
    mine: bool
    tests: list[CustomerTestOut]


class ResultOut(Schema):
    id: int
    test: str
    value: float
    unit: str
    entered_value: str
    entered_unit: str
    taken_at: datetime
    recorded_at: datetime
    source: str
    entered_by: PersonOut | None
    note: str
    interpretation: str
    amended: bool
    replaces: int | None
    reason: str
    superseded_at: datetime | None


class ResultPageOut(Schema):
    items: list[ResultOut]
    next_cursor: str | None


class PointOut(Schema):
    t: str
    v: float
    i: str


class SeriesOut(Schema):
    test: str
    unit: str
    unit_label: str
    decimals: int
    range: RangeOut | None
    count: int
    downsampled: bool
    points: list[PointOut]


class ImportErrorOut(Schema):
    field: str
    message: str


class ImportRowOut(Schema):
    line: int | None = None
    entry: int | None = None
    test: str
    value: str
    unit: str
    taken_at: str
    stored_value: float | None
    stored_unit: str | None
    stored_unit_label: str | None
    interpretation: str
    error: ImportErrorOut | None
    duplicate: bool
    id: int | None


class ImportOut(Schema):
    rows: list[ImportRowOut]
    valid: int
    invalid: int
    committed: bool
    stored: int
    skipped: int


class AudienceOut(Schema):
    test: str
    audience: str
