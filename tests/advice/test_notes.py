"""Care notes: written and read by the care team (dietitians and medical providers with
consent to care standing), read by the customer, audited, sanitized; nobody else learns
anything; a new note and a shared result reach the care team's open pages."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from accounts import erasure
from accounts.models import AccessAuditEntry
from accounts.personal_data import exporters
from accounts.roles import Role
from advice.models import CareNote, CareTeamMember
from profiles.models import Consent
from tests.advice.dashboard_helpers import alert, into_care, keep_to_self
from tests.helpers import api_json, bearer, new_user
from tests.profiles.results_helpers import added
from tests.realtime.helpers import disconnect_all, next_of_type, signed_in, subscribe


def notes_path(customer) -> str:
    return f"/api/care/customers/{customer.pk}/notes"


def write(client, actor, customer, body, **extra):
    return client.post(
        notes_path(customer), {"body": body, **extra}, content_type="application/json",
        **bearer(actor),
    )  # fmt: skip


def read(client, actor, customer):
    return client.get(notes_path(customer), **bearer(actor))


def test_the_care_team_writes_and_reads_notes_the_customer_reads_them(client, make_user):
    """Dietitians and medical providers alike; a medical provider adds results too."""
    ann = make_user(display_name="Ann")
    dietitian = make_user(Role.DIETITIAN, display_name="Dana")
    provider = make_user(Role.MEDICAL_PROVIDER, display_name="Dr Mo")
    into_care(ann, dietitian)
    CareTeamMember.objects.create(customer=ann, professional=provider)

    made = write(client, dietitian, ann, "Called **Ann**: <script>alert(1)</script> ok")
    assert made.status_code == 201, made.content
    note = api_json(made)
    assert "<strong>Ann</strong>" in note["html"] and "<script>" not in note["html"]
    assert note["author"] == {"id": dietitian.pk, "name": "Dana", "role": "dietitian"}
    # A medical provider of the care team adds notes too (tied to an alert about Ann).
    raised = alert(ann, "weight")
    by_provider = write(client, provider, ann, "Seen in clinic.", alert_id=raised.pk)
    assert by_provider.status_code == 201 and api_json(by_provider)["alert"] == raised.pk

    for reader, may_write in ((dietitian, True), (provider, True), (ann, False)):
        answer = read(client, reader, ann)
        assert answer.status_code == 200
        data = api_json(answer)
        assert [n["body"] for n in data["items"]] == ["Seen in clinic.", note["body"]]
        assert data["may_write"] is may_write and data["count"] == 2
    # The medical provider adds results too (the results API takes the care team's).
    measured = added(client, provider, ann, "systolic", 128, "mm[Hg]", "2024-03-01T08:00:00Z")
    assert measured["source"] == "care_team" and measured["entered_by"]["id"] == provider.pk
    # The customer reads, and writes none.
    refused = write(client, ann, ann, "my own note")
    assert refused.status_code == 403
    assert CareNote.objects.count() == 2


def test_nobody_else_learns_anything_and_bad_notes_store_nothing(client, make_user):
    ann = make_user(display_name="Ann")
    bob = make_user(display_name="Bob")
    dietitian = make_user(Role.DIETITIAN)
    stranger = make_user(Role.DIETITIAN)
    admin = make_user(Role.ADMIN)
    into_care(ann, dietitian)
    into_care(bob, dietitian, consent=False)
    alert_of_bob = alert(bob, "weight")
    for actor, customer_id in ((stranger, ann.pk), (admin, ann.pk), (bob, ann.pk),
                               (dietitian, bob.pk), (dietitian, 987654321)):  # fmt: skip
        path = f"/api/care/customers/{customer_id}/notes"
        assert client.get(path, **bearer(actor)).status_code == 404
        posted = client.post(path, {"body": "x"}, content_type="application/json", **bearer(actor))
        assert posted.status_code == 404
        assert api_json(posted)["message"] == "no such customer in your care"
    for body, extra in (("   ", {}), ("x" * 10_001, {}), ("ok", {"alert_id": alert_of_bob.pk}),
                        ("ok", {"author": 1}), ("a\x00b", {})):  # fmt: skip
        answer = write(client, dietitian, ann, body, **extra)
        assert 400 <= answer.status_code < 500, (body[:10], extra, answer.content)
    assert not CareNote.objects.exists()
    # Consent withdrawn: the notes are out of the dietitian's reach, and still Ann's.
    assert write(client, dietitian, ann, "first").status_code == 201
    Consent.objects.filter(customer=ann).update(withdrawn_at="2026-01-01T00:00:00Z")
    assert read(client, dietitian, ann).status_code == 404
    assert [n["body"] for n in api_json(read(client, ann, ann))["items"]] == ["first"]


def test_reads_by_the_care_team_are_audited_the_customers_own_are_not(client, make_user):
    ann = make_user()
    dietitian = make_user(Role.DIETITIAN)
    into_care(ann, dietitian)
    write(client, dietitian, ann, "a note")
    read(client, dietitian, ann)
    read(client, ann, ann)
    entries = AccessAuditEntry.objects.filter(subject=ann, resource="care notes")
    assert sorted((e.actor_id, e.action) for e in entries) == [
        (dietitian.pk, "add"), (dietitian.pk, "read")
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)
async def test_a_note_and_a_shared_result_reach_the_care_teams_open_pages(client):
    @database_sync_to_async
    def setting_up():
        ann = new_user(display_name="Ann")
        dietitian = new_user(Role.DIETITIAN)
        into_care(ann, dietitian)
        keep_to_self(ann, "waist")
        return ann, dietitian

    ann, dietitian = await setting_up()
    sock = await signed_in(dietitian)
    await subscribe(sock, f"user:{dietitian.pk}")
    try:
        await database_sync_to_async(write)(client, dietitian, ann, "a note")
        told = await next_of_type(sock, "event", "care.activity")
        note = await database_sync_to_async(CareNote.objects.get)()
        assert told["data"] == {"customer": ann.pk, "what": "note", "id": note.pk}

        # Ann's waist (kept to herself) tells nobody; her weight does, with no value.
        moment = "2024-03-01T08:00:00Z"
        await database_sync_to_async(added)(client, ann, ann, "waist", 90, "cm", moment)
        assert await sock.receive_nothing(0.3)
        weight = await database_sync_to_async(added)(client, ann, ann, "weight", 80, "kg", moment)
        told = await next_of_type(sock, "event", "care.activity")
        assert told["data"] == {"customer": ann.pk, "what": "result", "id": weight["id"]}
    finally:
        await disconnect_all()


def test_the_customers_download_holds_the_notes_erasure_takes_them_or_their_author(
    client, make_user
):
    ann, bob = make_user(display_name="Ann"), make_user(display_name="Bob")
    dietitian = make_user(Role.DIETITIAN, display_name="Dana")
    for customer in (ann, bob):
        into_care(customer, dietitian)
        write(client, dietitian, customer, f"About {customer.display_name}")
    notes_part = next(r for r in exporters() if r.name == "advice.notes")
    assert notes_part.export is not None
    (table,) = notes_part.export(ann)
    assert [(r["author"], r["body"]) for r in table.rows] == [("Dana", "About Ann")]
    (own,) = notes_part.export(dietitian)
    assert own.rows == []  # notes about others are in their downloads

    erasure.erase(ann)
    assert list(CareNote.objects.values_list("body", flat=True)) == ["About Bob"]
    erasure.erase(dietitian)
    kept = CareNote.objects.get()
    assert kept.author_id is None and kept.body == "About Bob"
    (table,) = notes_part.export(bob)
    assert table.rows[0]["author"] == ""


def test_a_note_links_only_an_alert_its_author_may_see_now(client, make_user):
    """An alert hidden since (its test kept from the care team) gets the same 400 as one
    that does not exist, and a note linked to it before shows no link while it is hidden."""
    ann = make_user(display_name="Ann")
    dietitian = make_user(Role.DIETITIAN)
    into_care(ann, dietitian)
    hidden = alert(ann, "weight")
    linked = write(client, dietitian, ann, "Before", alert_id=hidden.pk)
    assert linked.status_code == 201
    keep_to_self(ann, "weight")
    refused = write(client, dietitian, ann, "After", alert_id=hidden.pk)
    missing = write(client, dietitian, ann, "After", alert_id=hidden.pk + 1000)
    assert refused.status_code == missing.status_code == 400
    assert api_json(refused) == api_json(missing)
    assert [n["alert"] for n in api_json(read(client, dietitian, ann))["items"]] == [None]
    # The customer sees every alert about them, and the link.
    assert [n["alert"] for n in api_json(read(client, ann, ann))["items"]] == [hidden.pk]
    keep_to_self(ann, "weight", "care_team")
    assert [n["alert"] for n in api_json(read(client, dietitian, ann))["items"]] == [hidden.pk]
