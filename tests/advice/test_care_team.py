"""Care teams: admins set any, directly; a dietitian offers a customer their own care
only (finding them by name), and is in the care team, with access to what the customer
shares with it, only once the customer accepts. Every change is in the customer's access
log; the customer is told in the app, and nothing about it is mailed."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from accounts.models import AccessAuditEntry
from accounts.roles import Role
from accounts.signals import rights_narrowed
from advice import services as care
from advice.models import CareRequest, CareTeamMember
from community.messaging import services as dm
from profiles.models import Consent
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def add(client, actor, customer_id: int, professional_id: int):
    return client.post(
        "/api/care-team",
        {"customer_id": customer_id, "professional_id": professional_id},
        content_type="application/json",
        **bearer(actor),
    )


def post(client, actor, path: str, body: dict | None = None):
    return client.post(path, body or {}, content_type="application/json", **bearer(actor))


def in_care(client, dietitian, customer) -> None:
    """The dietitian offers, the customer accepts: the care team forms."""
    offered = add(client, dietitian, customer.pk, dietitian.pk)
    assert offered.status_code == 202, offered.content
    accepted = post(client, customer, f"/api/care-requests/{api_json(offered)['id']}/accept")
    assert accepted.status_code == 200, accepted.content


def test_a_dietitians_offer_opens_nothing_until_the_customer_accepts(client, make_user):
    dietitian = make_user(Role.DIETITIAN, display_name="Dana")
    customer = make_user(display_name="Casey")
    Consent.objects.create(customer=customer, purpose=Consent.Purpose.CARE, version="1")
    profile = f"/api/customers/{customer.pk}/profile"
    results = f"/api/customers/{customer.pk}/results"
    saved = client.post(
        results,
        {"test": "weight", "value": 80, "unit": "kg", "taken_at": "2024-03-01T08:00:00+00:00"},
        content_type="application/json",
        **bearer(customer),
    )
    assert saved.status_code == 201, saved.content

    offered = add(client, dietitian, customer.pk, dietitian.pk)
    assert offered.status_code == 202, offered.content
    offer = api_json(offered)
    assert (offer["kind"], offer["status"], offer["waiting_for"]) == (
        "offer",
        "pending",
        ["customer"],
    )
    # An offer is not a care team: nothing of the customer's health data opens.
    assert not CareTeamMember.objects.exists()
    assert api_json(client.get("/api/care-team", **bearer(customer))) == []
    for path in (profile, results):
        assert client.get(path, **bearer(dietitian)).status_code == 404
    # The customer is told in the app, with a link to answer; nothing goes out by mail.
    assert mail.outbox == []
    notices = api_json(client.get("/api/notifications", **bearer(customer)))["items"]
    assert [(n["kind"], n["title"], n["url"]) for n in notices] == [
        ("care.offer", "Dana offers to take you into their care", "/settings#care-requests")
    ]
    # The dietitian agreed by offering: they do not accept their own offer; a stranger
    # finds no such request.
    mine = post(client, dietitian, f"/api/care-requests/{offer['id']}/accept")
    assert mine.status_code == 409 and api_json(mine)["code"] == "agreed_already"
    assert post(client, make_user(), f"/api/care-requests/{offer['id']}/accept").status_code == 404
    again = add(client, dietitian, customer.pk, dietitian.pk)
    assert again.status_code == 409 and api_json(again)["code"] == "already_asked"

    accepted = post(client, customer, f"/api/care-requests/{offer['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    assert (api_json(accepted)["status"], api_json(accepted)["waiting_for"]) == ("accepted", [])
    team = api_json(client.get("/api/care-team", **bearer(customer)))
    assert [t["professional"]["name"] for t in team] == ["Dana"]
    assert client.get(profile, **bearer(dietitian)).status_code == 200
    assert [r["value"] for r in api_json(client.get(results, **bearer(dietitian)))["items"]] == [80]
    log = api_json(client.get("/api/me/access-log", **bearer(customer)))["items"]
    assert [(e["actor_name"], e["action"], e["resource"]) for e in log][-2:] == [
        ("Dana", "add", "care team"),
        ("Dana", "offer", "care team"),
    ]
    # Both sides are told; nothing by mail, and the kinds cannot be mailed.
    assert mail.outbox == []
    notices = api_json(client.get("/api/notifications", **bearer(customer)))["items"]
    assert (notices[0]["kind"], notices[0]["title"]) == (
        "care.added",
        "Dana is in your care team now",
    )
    theirs = api_json(client.get("/api/notifications", **bearer(dietitian)))["items"]
    assert [(n["kind"], n["title"]) for n in theirs] == [
        ("care.joined", "Casey is in your care now")
    ]
    for kind in ("care.offer", "care.added"):
        refused = client.put(
            f"/api/notifications/preferences/{kind}",
            {"in_app": True, "email": True},
            content_type="application/json",
            **bearer(customer),
        )
        assert refused.status_code == 400 and api_json(refused)["code"] == "invalid_field"
    # In the team now: offering again is a conflict, not a second row.
    again = add(client, dietitian, customer.pk, dietitian.pk)
    assert again.status_code == 409 and api_json(again)["code"] == "already_member"


def test_a_customer_declines_an_offer_and_a_dietitian_withdraws_one(client, make_user):
    dietitian = make_user(Role.DIETITIAN, display_name="Dana")
    customer = make_user(display_name="Casey")
    offer = api_json(add(client, dietitian, customer.pk, dietitian.pk))
    declined = post(
        client, customer, f"/api/care-requests/{offer['id']}/decline", {"reply": "No, thanks."}
    )
    assert declined.status_code == 200 and api_json(declined)["status"] == "declined"
    assert not CareTeamMember.objects.exists()
    theirs = api_json(client.get("/api/notifications", **bearer(dietitian)))["items"]
    assert [(n["kind"], n["title"]) for n in theirs] == [
        ("care.declined", "Casey declined the care request")
    ]
    mine = api_json(client.get("/api/care-requests", **bearer(dietitian)))
    assert [(r["kind"], r["status"], r["reply"]) for r in mine] == [
        ("offer", "declined", "No, thanks.")
    ]

    # Offered again, and taken back before the customer answers.
    second = api_json(add(client, dietitian, customer.pk, dietitian.pk))
    not_theirs = post(client, customer, f"/api/care-requests/{second['id']}/withdraw")
    assert not_theirs.status_code == 409 and api_json(not_theirs)["code"] == "not_agreed"
    withdrawn = post(client, dietitian, f"/api/care-requests/{second['id']}/withdraw")
    assert api_json(withdrawn)["status"] == "withdrawn"
    late = post(client, customer, f"/api/care-requests/{second['id']}/accept")
    assert late.status_code == 409 and api_json(late)["code"] == "not_pending"
    assert not CareTeamMember.objects.exists()


def test_a_dietitian_offers_no_one_elses_care_and_only_to_customers(client, make_user):
    dietitian, colleague = make_user(Role.DIETITIAN), make_user(Role.DIETITIAN)
    provider, moderator = make_user(Role.MEDICAL_PROVIDER), make_user(Role.MODERATOR)
    customer = make_user()
    assert add(client, dietitian, customer.pk, colleague.pk).status_code == 403
    # Refused before anything is looked up: a missing customer answers the same.
    assert add(client, dietitian, 99999999, colleague.pk).status_code == 403
    # Someone who is not a customer answers as nobody: an id tells a dietitian nothing.
    for not_a_customer in (colleague, moderator):
        refused = add(client, dietitian, not_a_customer.pk, dietitian.pk)
        assert refused.status_code == 404 and api_json(refused)["code"] == "not_found"
    # Medical providers and customers do not add anyone, themselves included.
    assert add(client, provider, customer.pk, provider.pk).status_code == 403
    assert add(client, customer, customer.pk, dietitian.pk).status_code == 403
    assert not CareTeamMember.objects.exists() and not CareRequest.objects.exists()
    # The service adds directly for admins only.
    with pytest.raises(care.Forbidden):
        care.add_to_care_team(dietitian, customer, dietitian)
    assert not CareTeamMember.objects.exists()


def test_a_customer_who_blocked_a_dietitian_is_offered_nothing_by_them(client, make_user):
    dietitian, customer = make_user(Role.DIETITIAN), make_user()
    dm.block(customer, dietitian.pk)
    refused = add(client, dietitian, customer.pk, dietitian.pk)
    # Answered as for an id that names nobody: the block is not told.
    nobody = add(client, dietitian, 99999999, dietitian.pk)
    assert refused.status_code == nobody.status_code == 404
    assert api_json(refused) == api_json(nobody)
    assert not CareTeamMember.objects.exists() and not CareRequest.objects.exists()


def test_an_admin_sets_any_care_team_directly_and_it_is_audited(client, make_user):
    admin = make_user(Role.ADMIN, display_name="Ada")
    provider = make_user(Role.MEDICAL_PROVIDER, display_name="Pat")
    customer = make_user(display_name="Casey")
    assert add(client, admin, customer.pk, provider.pk).status_code == 204
    assert CareTeamMember.objects.filter(customer=customer, professional=provider).exists()
    log = api_json(client.get("/api/me/access-log", **bearer(customer)))["items"]
    assert [(e["actor_name"], e["action"]) for e in log] == [("Ada", "add")]
    # Both sides are told.
    for person, told in ((customer, ("care.added", "Pat is in your care team now")),
                         (provider, ("care.joined", "Casey is in your care now"))):  # fmt: skip
        notices = api_json(client.get("/api/notifications", **bearer(person)))["items"]
        assert [(n["kind"], n["title"]) for n in notices] == [told]


def test_leaving_a_care_team_narrows_both_sides_rights(
    client, make_user, django_capture_on_commit_callbacks
):
    dietitian, customer = make_user(Role.DIETITIAN), make_user()
    in_care(client, dietitian, customer)
    narrowed: list[list[int]] = []

    def note(sender, user_ids, **kwargs):
        narrowed.append(user_ids)

    rights_narrowed.connect(note)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.delete(
                f"/api/care-team/{customer.pk}/{dietitian.pk}", **bearer(dietitian)
            )
    finally:
        rights_narrowed.disconnect(note)
    assert response.status_code == 204
    assert narrowed == [sorted([customer.pk, dietitian.pk])]
    log = api_json(client.get("/api/me/access-log", **bearer(customer)))["items"]
    assert [e["action"] for e in log] == ["remove", "add", "offer"]


def test_a_professional_reading_their_customers_is_in_each_customers_access_log(make_user, client):
    admin, dietitian = make_user(Role.ADMIN), make_user(Role.DIETITIAN)
    patients = [make_user(Role.CUSTOMER) for _ in range(2)]
    for patient in patients:
        care.add_to_care_team(admin, patient, dietitian)

    listed = client.get("/api/care-team", **bearer(dietitian))

    assert listed.status_code == 200 and len(listed.json()) == 2
    read = AccessAuditEntry.objects.filter(actor=dietitian, action="list", resource="care team")
    assert sorted(read.values_list("subject_id", flat=True)) == sorted(p.pk for p in patients)


def search(client, actor, q: str):
    return client.get("/api/care-team/candidates", {"q": q}, **bearer(actor))


def test_a_dietitian_finds_customers_to_offer_care_by_name_only(client, make_user, admin_user):
    dietitian = make_user(Role.DIETITIAN, display_name="Dana")
    casey = make_user(display_name="Casey Carrot", email="casey.secret@example.com")
    cared = make_user(display_name="Casey Cared")
    blocker = make_user(display_name="Casey Blocker")
    make_user(Role.DIETITIAN, display_name="Casey Colleague")
    care.add_to_care_team(admin_user, cared, dietitian)
    dm.block(blocker, dietitian.pk)

    found = api_json(search(client, dietitian, "casey"))
    # Customers only; not those in my care already, nor those who blocked me.
    assert found == [{"id": casey.pk, "name": "Casey Carrot"}]
    # Never by e-mail address.
    assert api_json(search(client, dietitian, "secret@example")) == []
    short = search(client, dietitian, "ca")
    assert short.status_code == 400 and api_json(short)["code"] == "query_too_short"
    # The dietitian then offers the one found their care; once accepted, they are in it.
    in_care(client, dietitian, casey)
    assert api_json(search(client, dietitian, "casey")) == []


def test_only_dietitians_and_admins_look_for_customers(client, make_user):
    make_user(display_name="Casey Carrot")
    for role in (Role.CUSTOMER, Role.MEDICAL_PROVIDER, Role.MODERATOR):
        assert search(client, make_user(role), "casey").status_code == 403
    assert len(api_json(search(client, make_user(Role.ADMIN), "casey"))) == 1


def test_a_customer_sees_and_leaves_their_care_team(client, make_user):
    dietitian, customer = make_user(Role.DIETITIAN, display_name="Dana"), make_user()
    in_care(client, dietitian, customer)
    team = api_json(client.get("/api/care-team", **bearer(customer)))
    assert [(t["professional"]["name"], t["professional"]["role"]) for t in team] == [
        ("Dana", "dietitian")
    ]
    left = client.delete(f"/api/care-team/{customer.pk}/{dietitian.pk}", **bearer(customer))
    assert left.status_code == 204
    assert api_json(client.get("/api/care-team", **bearer(dietitian))) == []
    # Someone outside the relationship cannot end it.
    in_care(client, dietitian, customer)
    stranger = make_user()
    refused = client.delete(f"/api/care-team/{customer.pk}/{dietitian.pk}", **bearer(stranger))
    assert refused.status_code == 403


def test_finding_customers_to_take_into_care_is_in_each_found_customers_access_log(
    client, make_user
):
    dietitian = make_user(Role.DIETITIAN, display_name="Dana")
    found = make_user(display_name="Casey Secretname")
    other = make_user(display_name="Robin Elsewhere")
    answer = client.get("/api/care-team/candidates", {"q": "secret"}, **bearer(dietitian))
    assert [c["id"] for c in api_json(answer)] == [found.pk]
    searched = AccessAuditEntry.objects.filter(actor=dietitian, action="search")
    assert [e.subject_id for e in searched] == [found.pk]
    assert not AccessAuditEntry.objects.filter(actor=dietitian, subject=other).exists()


def test_to_a_dietitian_an_id_of_someone_not_a_customer_answers_as_nobody(client, make_user):
    dietitian = make_user(Role.DIETITIAN)
    moderator = make_user(Role.MODERATOR)
    gone = make_user()
    gone.is_active = False
    gone.save()
    answers = [add(client, dietitian, pk, dietitian.pk) for pk in (moderator.pk, gone.pk, 10**9)]
    assert {(a.status_code, api_json(a)["code"], api_json(a)["message"]) for a in answers} == {
        (404, "not_found", "no such user")
    }


@override_settings(CARE_TEAM_ADDS_PER_HOUR=2)
def test_a_dietitian_cannot_flood_a_customer_with_care_notices(client, make_user):
    dietitian = make_user(Role.DIETITIAN)
    customer = make_user()
    answers = []
    for _ in range(3):
        offered = add(client, dietitian, customer.pk, dietitian.pk)
        answers.append(offered.status_code)
        if offered.status_code == 202:
            post(client, dietitian, f"/api/care-requests/{api_json(offered)['id']}/withdraw")
    assert answers == [202, 202, 429]
    assert customer.notifications.filter(kind="care.offer").count() == 2
