"""The care team's dashboard and care notes over HTTP (thin: the rules are in
``advice.dashboard`` and ``advice.notes``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import BaseModel, Field

from accounts.bounds import MAX_ID
from accounts.permissions import acting_user, signed_in_user
from accounts.schemas import Input
from advice import dashboard, notes
from advice.write_limits import charge_care_write
from core.http import private_no_store

router = Router(tags=["care dashboard"])
# Health data: no cache keeps an answer.
router.add_decorator(private_no_store, mode="view")


class DashboardQuery(Input):
    tests: str = Field(
        default=",".join(dashboard.DEFAULT_TESTS),
        max_length=200,
        description="comma-separated test codes whose latest values to show (at most 6)",
    )
    sort: str = Field(default="name", max_length=20, description="|".join(dashboard.SORTS))
    order: str = Field(default="", max_length=4, description="asc or desc")
    filter: str = Field(
        default="",
        max_length=60,
        description="comma-separated, all must hold: " + "|".join(dashboard.FILTERS),
    )
    q: str = Field(default="", max_length=80, description="part of the customer's name")
    customer_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="that row only")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class Plain(BaseModel):
    """An answer built as plain dicts: pydantic's model alone (ninja's ``Schema`` also
    reads Django objects, at several milliseconds a page of 50 rows)."""


class PersonOut(Plain):
    id: int
    name: str


class TestValueOut(Plain):
    test: str
    name: str
    unit: str
    decimals: int
    value: float | None
    taken_at: datetime | None
    trend: str | None


class DashboardRowOut(Plain):
    customer: PersonOut
    tests: list[TestValueOut]
    open_alerts: int
    worst_severity: str | None
    missed_check_ins: int
    goals_at_risk: int
    last_check_in: datetime | None
    unread_messages: int


class TestHeadOut(Plain):
    code: str
    name: str
    unit: str


class DashboardOut(Plain):
    items: list[DashboardRowOut]
    count: int
    tests: list[TestHeadOut]
    sort: str
    order: str


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


@router.get("/care/dashboard", response=DashboardOut)
def care_dashboard(request: HttpRequest, query: Query[DashboardQuery]) -> dict[str, Any]:
    """For a dietitian or medical provider: the customers in their care with consent to
    care standing, each with the latest values and trends of the tests asked (only those
    shared with the care team), open alerts, missed check-ins, goals at risk, the last
    check-in and unread messages; sorted, filtered and paged. Each customer shown is in
    their access log."""
    user = signed_in_user(request)
    ask = dashboard.Ask(
        tests=_split(query.tests),
        sort=query.sort,
        order=query.order,
        filters=_split(query.filter),
        q=query.q.strip(),
        limit=query.limit,
        offset=query.offset,
        customer_id=query.customer_id,
    )
    return dashboard.dashboard(user, ask, locale=user.locale)


class AuthorOut(Schema):
    id: int
    name: str
    role: str


class NoteOut(Schema):
    id: int
    customer: int
    author: AuthorOut | None
    body: str
    html: str
    alert: int | None
    created_at: datetime


class NotesOut(Schema):
    items: list[NoteOut]
    count: int
    # Whether the caller may add notes (the care team; not the customer).
    may_write: bool


class NoteIn(Input):
    body: str = Field(min_length=1, max_length=notes.MAX_BODY, description="Markdown")
    alert_id: int | None = Field(default=None, ge=1, le=MAX_ID)


@router.get("/care/customers/{customer_id}/notes", response=NotesOut)
def list_notes(
    request: HttpRequest,
    customer_id: int,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict[str, Any]:
    """Notes about a customer, newest first: for their care team (audited) and the
    customer themself (read-only)."""
    return notes.notes_of(signed_in_user(request), customer_id, limit=limit, offset=offset)


@router.post("/care/customers/{customer_id}/notes", response={201: NoteOut})
def add_note(request: HttpRequest, customer_id: int, payload: NoteIn) -> Status[dict[str, Any]]:
    """A professional of the customer's care team (a dietitian or a medical provider)
    writes a note (Markdown, sanitized); the care team's open pages are told."""
    actor = acting_user(request)
    charge_care_write(actor)
    note = notes.add_note(actor, customer_id, payload.body, alert_id=payload.alert_id)
    return Status(201, notes.note_out(note))
