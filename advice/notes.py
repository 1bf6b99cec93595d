"""Care notes: what a professional of a customer's care team writes down about them (a
phone call, what was agreed, why an alert was resolved).

Written and read by the professionals with relation CARE to the customer (in the care
team, consent to care standing): dietitians and medical providers alike. The customer
reads the notes about them too, without writing any: a note is part of their health
record, and they may see what their care team records about them (as they get it in
their download); it also keeps the notes factual. Anybody else is told there is no such
customer, in the same words whether or not one exists. Every read by a professional is
one entry in the customer's access log; a new note tells the care team (``care.activity``,
without its text).

What notes keep about members (``"advice.notes"``): the customer's download holds the
notes about them; erasing the customer deletes them; erasing the author keeps their notes
in the customer's record, without the author.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.audit import record_access
from accounts.models import User
from accounts.personal_data import Part, Table, register
from advice.alert_actions import seen_by, visible_alerts
from advice.models import CareNote
from advice.topics import tell_care_team
from core.errors import Forbidden, NotFound, ServiceError
from core.text import render_markdown
from profiles.permissions import Relation, relation_to

MAX_BODY = 10_000
NOT_IN_CARE = "no such customer in your care"


def _customer(customer_id: int) -> User:
    customer = User.objects.filter(pk=customer_id, erased_at__isnull=True).first()
    if customer is None:
        raise NotFound(NOT_IN_CARE)
    return customer


def check_can_read_notes(viewer: User, customer_id: int) -> tuple[User, Relation]:
    """The customer themself, or a professional with relation CARE; else 404."""
    customer = viewer if viewer.pk == customer_id else _customer(customer_id)
    relation = relation_to(viewer, customer)
    if relation is Relation.OTHER:
        raise NotFound(NOT_IN_CARE)
    return customer, relation


def check_can_write_notes(viewer: User, customer_id: int) -> User:
    """A professional with relation CARE (a dietitian or a medical provider); the customer
    reads notes about them and writes none (a 403 tells them so); anybody else: 404."""
    customer, relation = check_can_read_notes(viewer, customer_id)
    if relation is not Relation.CARE:
        raise Forbidden("notes are written by your care team; you read them here")
    return customer


def note_out(note: CareNote, shown_alerts: set[int] | None = None) -> dict[str, Any]:
    """``shown_alerts``: the linked alerts the reader may see now (None: all, as for the
    author who just linked it); another stays unnamed, as the alert list hides it."""
    author = note.author
    alert_id = note.alert_id
    if shown_alerts is not None and alert_id not in shown_alerts:
        alert_id = None
    return {
        "id": note.pk,
        "customer": note.customer_id,
        "author": None
        if author is None
        else {"id": author.pk, "name": author.public_name(), "role": author.role},
        "body": note.body,
        "html": note.body_html,
        "alert": alert_id,
        "created_at": note.created_at,
    }


def add_note(
    actor: User, customer_id: int, body: str, *, alert_id: int | None = None, door: str = "http"
) -> CareNote:
    customer = check_can_write_notes(actor, customer_id)
    text = body.strip()
    if not text:
        raise ServiceError("write something in the note", code="invalid_field", field="body")
    if len(text) > MAX_BODY:
        raise ServiceError(
            f"a note holds at most {MAX_BODY:,} characters", code="invalid_field", field="body"
        )
    # Only an alert the author may see now (as the alert list shows it): one hidden since
    # (a test no longer shared) gets the same answer as one that does not exist.
    if alert_id is not None and not _visible(actor, customer, [alert_id]):
        raise ServiceError("no such alert about this customer", code="invalid_field", field="alert")
    with transaction.atomic():
        note = CareNote.objects.create(
            customer=customer,
            author=actor,
            body=text,
            body_html=render_markdown(text),
            alert_id=alert_id,
        )
        record_access(actor, [customer], "add", "care notes", door)
        tell_care_team(customer.pk, "note", note.pk)
    return note


def _visible(viewer: User, customer: User, alert_ids: list[int]) -> set[int]:
    """Which of ``alert_ids`` (about ``customer``) ``viewer`` may see now."""
    seen = seen_by(viewer, customer.pk)
    return set(
        visible_alerts(seen)
        .filter(pk__in=alert_ids, customer=customer)
        .values_list("pk", flat=True)
    )


def notes_of(
    viewer: User, customer_id: int, *, limit: int = 50, offset: int = 0, door: str = "http"
) -> dict[str, Any]:
    """The notes about a customer, newest first, a page at a time."""
    customer, relation = check_can_read_notes(viewer, customer_id)
    notes = CareNote.objects.filter(customer=customer).select_related("author")
    page = list(notes[offset : offset + limit])
    linked = [n.alert_id for n in page if n.alert_id is not None]
    shown = _visible(viewer, customer, linked) if linked else set()
    if relation is Relation.CARE:
        record_access(viewer, [customer], "read", "care notes", door)
    return {
        "items": [note_out(n, shown) for n in page],
        "count": notes.count() if len(page) == limit or offset else len(page),
        "may_write": relation is Relation.CARE,
    }


# --- personal data ---------------------------------------------------------------------


def export_notes(user: User) -> list[Part]:
    """The notes about the member (the notes a professional wrote are about others, and
    in those customers' downloads)."""
    notes = CareNote.objects.filter(customer=user).select_related("author").order_by("created_at")
    return [
        Table(
            "care-notes",
            [
                {
                    "author": n.author.public_name() if n.author else "",
                    "author_role": n.author.role if n.author else "",
                    "body": n.body,
                    "created_at": n.created_at,
                }
                for n in notes
            ],
            columns=("author", "author_role", "body", "created_at"),
        )
    ]


def erase_notes(user: User) -> None:
    CareNote.objects.filter(customer=user).delete()
    CareNote.objects.filter(author=user).update(author=None)


register(
    "advice.notes",
    models=("advice.CareNote",),
    export=export_notes,
    erase=erase_notes,
    keeps="notes a professional wrote stay in the customer's record, without the author",
)
