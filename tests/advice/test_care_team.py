"""Care teams: admins set any; a dietitian takes a customer into their own care only,
finding them by name. Every change is in the customer's access log; the customer is told
in the app, and nothing about it is mailed."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from accounts.models import AccessAuditEntry
from accounts.roles import Role
from accounts.signals import rights_narrowed
from advice import services as care
from advice.models import CareTeamMember
from community.messaging import services as dm
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def add(client, actor, customer_id: int, professional_id: int):
    return client.post(
        "/api/care-team",
        {"customer_id": customer_id, "professional_id": professional_id},
        content_type="application/json",
        **bearer(actor),
    )


def test_a_dietitian_takes_a_customer_into_their_own_care(client, make_user):
    dietitian = make_user(Role.DIETITIAN, display_name="Dana")
    customer = make_user()
    assert add(client, dietitian, customer.pk, dietitian.pk).status_code == 204
    assert CareTeamMember.objects.filter(customer=customer, professional=dietitian).exists()
    team = api_json(client.get("/api/care-team", **bearer(customer)))
    assert [t["professional"]["name"] for t in team] == ["Dana"]
    log = api_json(client.get("/api/me/access-log", **bearer(customer)))["items"]
    assert [(e["actor_name"], e["actor_role"], e["action"], e["resource"]) for e in log] == [
        ("Dana", "dietitian", "add", "care team")
    ]
    # The customer is told in the app, naming the dietitian; nothing goes out by mail.
    assert mail.outbox == []
    notices = api_json(client.get("/api/notifications", **bearer(customer)))["items"]
    assert [(n["kind"], n["title"], n["url"]) for n in notices] == [
        ("care.added", "Dana took you into their care", "/settings#care-team")
    ]
    # A care relationship is never mailed: the kind cannot be turned on by e-mail.
    refused = client.put(
        "/api/notifications/preferences/care.added",
        {"in_app": True, "email": True},
        content_type="application/json",
        **bearer(customer),
    )
    assert refused.status_code == 400 and api_json(refused)["code"] == "invalid_field"
    # Twice is a conflict, not a second row.
    assert add(client, dietitian, customer.pk, dietitian.pk).status_code == 409


def test_a_dietitian_adds_to_no_one_elses_care_team_and_only_customers(client, make_user):
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
    assert not CareTeamMember.objects.exists()


def test_a_customer_who_blocked_a_dietitian_cannot_be_taken_into_their_care(client, make_user):
    dietitian, customer = make_user(Role.DIETITIAN), make_user()
    dm.block(customer, dietitian.pk)
    refused = add(client, dietitian, customer.pk, dietitian.pk)
    assert refused.status_code == 403 and api_json(refused)["code"] == "blocked"
    assert not CareTeamMember.objects.exists()


def test_an_admin_sets_any_care_team_and_it_is_audited(client, make_user):
    admin = make_user(Role.ADMIN, display_name="Ada")
    provider, customer = make_user(Role.MEDICAL_PROVIDER), make_user()
    assert add(client, admin, customer.pk, provider.pk).status_code == 204
    log = api_json(client.get("/api/me/access-log", **bearer(customer)))["items"]
    assert [(e["actor_name"], e["action"]) for e in log] == [("Ada", "add")]


def test_leaving_a_care_team_narrows_both_sides_rights(
    client, make_user, django_capture_on_commit_callbacks
):
    dietitian, customer = make_user(Role.DIETITIAN), make_user()
    add(client, dietitian, customer.pk, dietitian.pk)
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
    assert [e["action"] for e in log] == ["remove", "add"]


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


def test_a_dietitian_finds_customers_to_take_into_care_by_name_only(client, make_user):
    dietitian = make_user(Role.DIETITIAN, display_name="Dana")
    casey = make_user(display_name="Casey Carrot", email="casey.secret@example.com")
    cared = make_user(display_name="Casey Cared")
    blocker = make_user(display_name="Casey Blocker")
    make_user(Role.DIETITIAN, display_name="Casey Colleague")
    care.add_to_care_team(dietitian, cared, dietitian)
    dm.block(blocker, dietitian.pk)

    found = api_json(search(client, dietitian, "casey"))
    # Customers only; not those in my care already, nor those who blocked me.
    assert found == [{"id": casey.pk, "name": "Casey Carrot"}]
    # Never by e-mail address.
    assert api_json(search(client, dietitian, "secret@example")) == []
    short = search(client, dietitian, "ca")
    assert short.status_code == 400 and api_json(short)["code"] == "query_too_short"
    # The dietitian then takes the one found into their care.
    assert add(client, dietitian, found[0]["id"], dietitian.pk).status_code == 204
    assert api_json(search(client, dietitian, "casey")) == []


def test_only_dietitians_and_admins_look_for_customers(client, make_user):
    make_user(display_name="Casey Carrot")
    for role in (Role.CUSTOMER, Role.MEDICAL_PROVIDER, Role.MODERATOR):
        assert search(client, make_user(role), "casey").status_code == 403
    assert len(api_json(search(client, make_user(Role.ADMIN), "casey"))) == 1


def test_a_customer_sees_and_leaves_their_care_team(client, make_user):
    dietitian, customer = make_user(Role.DIETITIAN, display_name="Dana"), make_user()
    assert add(client, dietitian, customer.pk, dietitian.pk).status_code == 204
    team = api_json(client.get("/api/care-team", **bearer(customer)))
    assert [(t["professional"]["name"], t["professional"]["role"]) for t in team] == [
        ("Dana", "dietitian")
    ]
    left = client.delete(f"/api/care-team/{customer.pk}/{dietitian.pk}", **bearer(customer))
    assert left.status_code == 204
    assert api_json(client.get("/api/care-team", **bearer(dietitian))) == []
    # Someone outside the relationship cannot end it.
    add(client, dietitian, customer.pk, dietitian.pk)
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
        answers.append(add(client, dietitian, customer.pk, dietitian.pk).status_code)
        client.delete(f"/api/care-team/{customer.pk}/{dietitian.pk}", **bearer(dietitian))
    assert answers == [204, 204, 429]
    assert customer.notifications.filter(kind="care.added").count() == 2
