"""The one pagination of list endpoints: limit/offset with bounds the database can take."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000_000


class BoundedLimitOffset(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"1 to {MAX_LIMIT}")
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
