from __future__ import annotations

from ninja import Schema
from pydantic import Field

from accounts.bounds import Id
from accounts.schemas import Input


class MarkReadIn(Input):
    ids: list[Id] | None = Field(default=None, max_length=500)
    all: bool = False


class UnreadOut(Schema):
    unread_count: int


class PreferenceOut(Schema):
    kind: str
    label: str
    in_app: bool
    email: bool
    mailed: bool  # whether this kind is ever sent by email


class PreferenceIn(Input):
    in_app: bool
    email: bool
