"""Bounds every input shares: ids within the 64-bit signed range, and dates and times
with a UTC offset within a span any calendar and database can hold.

A number past 2**63 - 1 cannot be stored (SQLite raises on it) and names no object; a
year like 9999 overflows as soon as it is shown in a zone east of UTC (or stored from a
zone west of it). Both are refused where they come in, never deep inside a query.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

MAX_ID = 2**63 - 1

# Every id a client sends: a database key, so 1 to 2**63 - 1.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# Dates and times are taken from 2000-01-01 to 2100-01-01 (UTC, the end excluded).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
SPAN = "from 2000-01-01 to 2100-01-01 (UTC, the end excluded)"
DAY_SPAN = "from 2000-01-01 to 2099-12-31"


# The offsets clocks use (UTC-12:00 to UTC+14:00). Python takes any under 24 hours, and
# PostgreSQL refuses those past 15:59: one outside this range is refused where it comes in.
MAX_OFFSET = timedelta(hours=14)


def _datetime_in_span(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None or abs(offset) > MAX_OFFSET:
        raise ValueError("the UTC offset must be from -14:00 to +14:00")
    # The year first: an aware datetime near year 1 or 9999 may not convert to UTC.
    if not EARLIEST.year - 1 <= value.year <= LATEST.year or not EARLIEST <= value < LATEST:
        raise ValueError(f"must be {SPAN}")
    return value.astimezone(UTC)


def _date_in_span(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(f"must be {DAY_SPAN}")
    return value


# A date and time with a UTC offset (naive ones are refused), within the span.
BoundedDatetime = Annotated[
    AwareDatetime,
    AfterValidator(_datetime_in_span),
    Field(
        description=f"with a UTC offset, {SPAN}",
        json_schema_extra={
            "formatMinimum": EARLIEST.isoformat(),
            "formatExclusiveMaximum": LATEST.isoformat(),
        },
    ),
]

# A calendar day within the span.
BoundedDate = Annotated[
    date,
    AfterValidator(_date_in_span),
    Field(
        description=DAY_SPAN,
        json_schema_extra={
            "formatMinimum": EARLIEST.date().isoformat(),
            "formatExclusiveMaximum": LATEST.date().isoformat(),
        },
    ),
]


def id_from_key(key: str) -> int | None:
    """The id in a topic key (``dm:42`` has ``42``), or None when the key is not one:
    not all ASCII digits, zero, or past the 64-bit range."""
    if not (key.isascii() and key.isdigit()) or len(key) > len(str(MAX_ID)):
        return None
    value = int(key)
    return value if 1 <= value <= MAX_ID else None


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    """An IANA zone name (``ZoneInfo`` alone also opens folders such as "America" and
    fails with an error of the file system)."""
    return name in _time_zones()
