"""Care requests: a customer asks a dietitian (once at a time, not one who blocks or is
blocked, only an active dietitian), who accepts (the care team forms, audited, with a
notice on both sides) or declines with a reply; the customer may withdraw. A dietitian
hands a customer over: the other dietitian and the customer both accept, and then the
handing dietitian leaves the team; the handover dies when the handing dietitian leaves
first, and its refusals tell them nothing of the customer's blocks or team. Whoever is
not a party to a request learns nothing of it. Nothing is mailed."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from accounts.erasure import erase
from accounts.models import ERASED_NAME, AccessAuditEntry
from accounts.roles import Role
from accounts.signals import rights_narrowed
from advice import services as care
from advice.models import CareRequest, CareTeamMember
from advice.personal_data import export_care
from community.messaging import services as dm
from notifications.models import Notification
from profiles.models import Consent
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def post(client, user, path: str, body: dict | None = None):
    return client.post(path, body or {}, content_type="application/json", **bearer(user))


def ask(client, customer, dietitian, message: str = ""):
    return post(
        client,
        customer,
        "/api/care-requests",
        {"professional_id": dietitian.pk, "message": message},
    )


def notices(client, user) -> list[tuple[str, str]]:
    items = api_json(client.get("/api/notifications", **bearer(user)))["items"]
    return [(n["kind"], n["title"]) for n in items]


def test_a_customer_asks_and_the_dietitian_accepts(client, make_user):
    customer = make_user(display_name="Casey")
    dietitian = make_user(Role.DIETITIAN, display_name="Dana", region="ca-on")
    make_user(Role.DIETITIAN, display_name="Erin")
    listed = api_json(client.get("/api/dietitians?q=dan", **bearer(customer)))
    assert [(d["name"], d["region"], d["asked"]) for d in listed] == [("Dana", "ca-on", False)]

    made = ask(client, customer, dietitian, "Could you help me with my diabetes?")
    assert made.status_code == 201, made.content
    request = api_json(made)
    assert (request["status"], request["professional"]["name"]) == ("pending", "Dana")
    again = ask(client, customer, dietitian)
    assert again.status_code == 409 and api_json(again)["code"] == "already_asked"
    assert [
        d["asked"] for d in api_json(client.get("/api/dietitians?q=dana", **bearer(customer)))
    ] == [True]
    assert notices(client, dietitian) == [
        ("care.request", "Casey asks you to take them into your care")
    ]
    inbox = api_json(client.get("/api/care-requests", **bearer(dietitian)))
    assert [(r["customer"]["name"], r["message"]) for r in inbox] == [
        ("Casey", "Could you help me with my diabetes?")
    ]
    # Only the dietitian asked answers: the customer agreed by asking.
    own = post(client, customer, f"/api/care-requests/{request['id']}/accept")
    assert own.status_code == 409 and api_json(own)["code"] == "agreed_already"
    assert (request["kind"], request["waiting_for"]) == ("request", ["professional"])

    accepted = post(client, dietitian, f"/api/care-requests/{request['id']}/accept")
    assert accepted.status_code == 200 and api_json(accepted)["status"] == "accepted"
    assert CareTeamMember.objects.filter(customer=customer, professional=dietitian).exists()
    # A live notice on both sides; nothing by mail.
    assert notices(client, customer)[0] == (
        "care.accepted",
        "Dana accepted: they are in your care team",
    )
    assert notices(client, dietitian)[0] == ("care.joined", "Casey is in your care now")
    assert mail.outbox == []
    log = api_json(client.get("/api/me/access-log", **bearer(customer)))["items"]
    assert ("Dana", "add", "care team") in [
        (e["actor_name"], e["action"], e["resource"]) for e in log
    ]
    # Answered once; in care now, so neither asked again nor listed.
    assert post(client, dietitian, f"/api/care-requests/{request['id']}/decline").status_code == 409
    assert ask(client, customer, dietitian).status_code == 409
    assert "Dana" not in [
        d["name"] for d in api_json(client.get("/api/dietitians", **bearer(customer)))
    ]


def test_decline_with_a_reply_and_withdraw(client, make_user):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN, display_name="Dana")
    first = api_json(ask(client, customer, dietitian))
    declined = post(
        client,
        dietitian,
        f"/api/care-requests/{first['id']}/decline",
        {"reply": "My list is full."},
    )
    assert api_json(declined)["status"] == "declined"
    mine = api_json(client.get("/api/care-requests", **bearer(customer)))
    assert [(r["status"], r["reply"]) for r in mine] == [("declined", "My list is full.")]
    assert notices(client, customer) == [("care.declined", "Dana declined the care request")]

    second = api_json(ask(client, customer, dietitian))  # asking again is allowed
    stranger = make_user()
    assert post(client, stranger, f"/api/care-requests/{second['id']}/withdraw").status_code == 404
    withdrawn = post(client, customer, f"/api/care-requests/{second['id']}/withdraw")
    assert api_json(withdrawn)["status"] == "withdrawn"
    assert post(client, dietitian, f"/api/care-requests/{second['id']}/accept").status_code == 409
    assert not CareTeamMember.objects.exists()


def test_only_active_dietitians_who_block_no_one_are_asked(client, make_user):
    customer = make_user()
    for not_a_dietitian in (
        make_user(Role.MEDICAL_PROVIDER),
        make_user(Role.CUSTOMER),
        make_user(Role.MODERATOR),
        make_user(Role.DIETITIAN, is_active=False),
    ):
        refused = ask(client, customer, not_a_dietitian)
        assert refused.status_code == 404 and api_json(refused)["field"] == "professional_id"
    blocked, blocking = make_user(Role.DIETITIAN), make_user(Role.DIETITIAN)
    dm.block(customer, blocked.pk)
    dm.block(blocking, customer.pk)
    for dietitian in (blocked, blocking):
        refused = ask(client, customer, dietitian)
        assert refused.status_code == 403 and api_json(refused)["code"] == "blocked"
    assert api_json(client.get("/api/dietitians", **bearer(customer))) == []
    # Dietitians are asked by customers only.
    assert ask(client, make_user(Role.DIETITIAN), make_user(Role.DIETITIAN)).status_code == 403
    assert not CareRequest.objects.exists()


@override_settings(CARE_REQUESTS_PER_DAY=1)
def test_care_requests_are_limited_per_day(client, make_user):
    customer = make_user()
    assert ask(client, customer, make_user(Role.DIETITIAN)).status_code == 201
    limited = ask(client, customer, make_user(Role.DIETITIAN))
    assert limited.status_code == 429 and api_json(limited)["code"] == "rate_limited"


def hand_over(client, actor, customer, to, message: str = "Moving away"):
    return post(
        client,
        actor,
        "/api/care-team/handover",
        {"customer_id": customer.pk, "to_professional_id": to.pk, "message": message},
    )


def team_of(customer) -> set[int]:
    return set(
        CareTeamMember.objects.filter(customer=customer).values_list("professional_id", flat=True)
    )


def test_a_dietitian_hands_a_customer_over_when_both_accept(client, make_user, admin_user):
    customer = make_user(display_name="Casey")
    dana = make_user(Role.DIETITIAN, display_name="Dana")
    erin = make_user(Role.DIETITIAN, display_name="Erin")
    care.add_to_care_team(admin_user, customer, dana)
    Consent.objects.create(customer=customer, purpose=Consent.Purpose.CARE, version="1")

    # Only a dietitian of the customer's care team, to another dietitian.
    assert hand_over(client, erin, customer, dana).status_code == 404
    assert hand_over(client, dana, customer, dana).status_code == 400
    assert hand_over(client, dana, customer, make_user(Role.MEDICAL_PROVIDER)).status_code == 404
    made = hand_over(client, dana, customer, erin)
    assert made.status_code == 201, made.content
    request = api_json(made)
    assert request["handed_over_by"]["name"] == "Dana"
    assert (request["kind"], request["waiting_for"]) == ("handover", ["customer", "professional"])
    assert notices(client, customer)[0] == ("care.handed_over", "Dana hands your care over to Erin")
    assert notices(client, erin) == [("care.handover", "Dana hands Casey over to your care")]
    again = hand_over(client, dana, customer, erin)
    assert again.status_code == 409 and api_json(again)["code"] == "cannot_hand_over"

    # Erin accepts: nothing forms until the customer has too, and Erin sees nothing.
    accepted = post(client, erin, f"/api/care-requests/{request['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    assert (api_json(accepted)["status"], api_json(accepted)["waiting_for"]) == (
        "pending",
        ["customer"],
    )
    assert team_of(customer) == {dana.pk}
    assert client.get(f"/api/customers/{customer.pk}/profile", **bearer(erin)).status_code == 404
    twice = post(client, erin, f"/api/care-requests/{request['id']}/accept")
    assert twice.status_code == 409 and api_json(twice)["code"] == "agreed_already"
    handing = post(client, dana, f"/api/care-requests/{request['id']}/accept")
    assert handing.status_code == 409 and api_json(handing)["code"] == "agreed_already"

    narrowed: list[list[int]] = []

    def heard(sender, user_ids, **kwargs):
        narrowed.append(user_ids)

    rights_narrowed.connect(heard)
    try:
        done = post(client, customer, f"/api/care-requests/{request['id']}/accept")
    finally:
        rights_narrowed.disconnect(heard)
    assert done.status_code == 200 and api_json(done)["status"] == "accepted"
    assert team_of(customer) == {erin.pk}
    assert sorted([customer.pk, dana.pk]) in narrowed
    assert client.get(f"/api/customers/{customer.pk}/profile", **bearer(erin)).status_code == 200
    assert notices(client, customer)[0] == (
        "care.taken_over",
        "Erin took over your care from Dana",
    )
    assert notices(client, dana)[0] == ("care.handover_done", "Erin took over the care of Casey")
    assert notices(client, erin)[0] == ("care.joined", "Casey is in your care now")
    assert mail.outbox == []


def test_a_handover_needs_the_customer(client, make_user, admin_user):
    customer = make_user(display_name="Casey")
    dana = make_user(Role.DIETITIAN, display_name="Dana")
    erin = make_user(Role.DIETITIAN, display_name="Erin")
    care.add_to_care_team(admin_user, customer, dana)
    request = api_json(hand_over(client, dana, customer, erin))
    assert post(client, erin, f"/api/care-requests/{request['id']}/accept").status_code == 200

    declined = post(
        client, customer, f"/api/care-requests/{request['id']}/decline", {"reply": "I stay."}
    )
    assert declined.status_code == 200 and api_json(declined)["status"] == "declined"
    assert team_of(customer) == {dana.pk}
    for dietitian in (dana, erin):
        assert notices(client, dietitian)[0] == ("care.declined", "Casey declined the care request")
    late = post(client, customer, f"/api/care-requests/{request['id']}/accept")
    assert late.status_code == 409 and api_json(late)["code"] == "not_pending"


def test_the_customer_may_accept_a_handover_first(client, make_user, admin_user):
    customer = make_user()
    dana, erin = make_user(Role.DIETITIAN), make_user(Role.DIETITIAN)
    care.add_to_care_team(admin_user, customer, dana)
    request = api_json(hand_over(client, dana, customer, erin))
    first = post(client, customer, f"/api/care-requests/{request['id']}/accept")
    assert api_json(first)["waiting_for"] == ["professional"]
    assert team_of(customer) == {dana.pk}
    assert post(client, erin, f"/api/care-requests/{request['id']}/accept").status_code == 200
    assert team_of(customer) == {erin.pk}


@pytest.mark.parametrize("who_leaves", ["customer", "dietitian"])
def test_a_handover_dies_when_the_handing_dietitian_leaves(
    client, make_user, admin_user, who_leaves
):
    customer = make_user()
    dana, erin = make_user(Role.DIETITIAN), make_user(Role.DIETITIAN)
    care.add_to_care_team(admin_user, customer, dana)
    request = api_json(hand_over(client, dana, customer, erin))
    # The customer agreed, then Dana leaves the team (or is removed from it).
    assert post(client, customer, f"/api/care-requests/{request['id']}/accept").status_code == 200
    leaver = customer if who_leaves == "customer" else dana
    left = client.delete(f"/api/care-team/{customer.pk}/{dana.pk}", **bearer(leaver))
    assert left.status_code == 204
    assert CareRequest.objects.get(pk=request["id"]).status == "withdrawn"
    refused = post(client, erin, f"/api/care-requests/{request['id']}/accept")
    assert refused.status_code == 409 and api_json(refused)["code"] == "not_pending"
    assert team_of(customer) == set()


def test_accepting_a_handover_checks_the_handing_dietitian_is_still_in_the_team(
    client, make_user, admin_user
):
    customer = make_user()
    dana, erin = make_user(Role.DIETITIAN), make_user(Role.DIETITIAN)
    care.add_to_care_team(admin_user, customer, dana)
    request = api_json(hand_over(client, dana, customer, erin))
    # Gone from the team by a path that withdrew nothing.
    CareTeamMember.objects.filter(customer=customer, professional=dana).delete()
    for answering in (erin, customer):
        refused = post(client, answering, f"/api/care-requests/{request['id']}/accept")
        assert refused.status_code == 409 and api_json(refused)["code"] == "not_pending"
    assert team_of(customer) == set()


def test_a_handover_completed_withdraws_the_handing_dietitians_others(
    client, make_user, admin_user
):
    customer = make_user()
    dana, erin, finn = (make_user(Role.DIETITIAN) for _ in range(3))
    care.add_to_care_team(admin_user, customer, dana)
    to_erin = api_json(hand_over(client, dana, customer, erin))
    to_finn = api_json(hand_over(client, dana, customer, finn))
    for answering in (erin, customer):
        assert (
            post(client, answering, f"/api/care-requests/{to_erin['id']}/accept").status_code == 200
        )
    assert team_of(customer) == {erin.pk}
    assert CareRequest.objects.get(pk=to_finn["id"]).status == "withdrawn"


def test_a_handovers_refusals_tell_nothing_of_the_customers_blocks_or_team(
    client, make_user, admin_user
):
    customer = make_user()
    dana = make_user(Role.DIETITIAN)
    blocked, member, asked = (make_user(Role.DIETITIAN) for _ in range(3))
    care.add_to_care_team(admin_user, customer, dana)
    dm.block(customer, blocked.pk)
    care.add_to_care_team(admin_user, customer, member)
    assert ask(client, customer, asked).status_code == 201
    answers = [hand_over(client, dana, customer, to) for to in (blocked, member, asked)]
    assert {(a.status_code, a.content) for a in answers} == {
        (answers[0].status_code, answers[0].content)
    }
    assert answers[0].status_code == 409
    assert api_json(answers[0])["code"] == "cannot_hand_over"
    assert not CareRequest.objects.filter(kind="handover").exists()


def test_a_stranger_learns_nothing_of_a_care_request(client, make_user):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    pending = api_json(ask(client, customer, dietitian))
    declined = api_json(ask(client, customer, make_user(Role.DIETITIAN)))
    CareRequest.objects.filter(pk=declined["id"]).update(status="declined")
    strangers = (make_user(), make_user(Role.DIETITIAN), make_user(Role.ADMIN))
    answers = {
        (r.status_code, r.content)
        for stranger in strangers
        for pk in (pending["id"], declined["id"], 10**9)
        for verb in ("accept", "decline", "withdraw")
        for r in [post(client, stranger, f"/api/care-requests/{pk}/{verb}")]
    }
    assert len(answers) == 1
    [(status, _)] = answers
    assert status == 404


def test_care_notices_name_people_as_they_are_now_and_erasure_renames_them(client, make_user):
    customer = make_user(display_name="Casey")
    dana = make_user(Role.DIETITIAN, display_name="Dana")
    erin = make_user(Role.DIETITIAN, display_name="Erin")
    care.add_to_care_team(make_user(Role.ADMIN), customer, dana)
    ask(client, customer, erin)
    hand_over(client, dana, customer, make_user(Role.DIETITIAN, display_name="Finn"))
    customer.display_name = "Casey Renamed"
    customer.save()
    assert notices(client, erin)[0] == (
        "care.request",
        "Casey Renamed asks you to take them into your care",
    )
    erase(customer)
    assert notices(client, erin)[0] == (
        "care.request",
        f"{ERASED_NAME} asks you to take them into your care",
    )
    # The stored rows say so too, whatever key names the member.
    stored = Notification.objects.filter(user__in=[dana, erin]).values_list("title", flat=True)
    assert stored and not any("Casey" in title for title in stored)


def test_a_download_holds_ones_own_words_and_a_professionals_is_in_the_access_log(
    client, make_user
):
    customer = make_user(display_name="Casey")
    dietitian = make_user(Role.DIETITIAN, display_name="Dana")
    request_id = api_json(ask(client, customer, dietitian, "My fasting sugar was 11.2 this week"))[
        "id"
    ]
    assert post(client, dietitian, f"/api/care-requests/{request_id}/accept").status_code == 200

    def care_requests(member) -> list[dict]:
        parts = {part.name: part for part in export_care(member)}
        return parts["care-requests"].rows

    assert [r["message"] for r in care_requests(customer)] == [
        "My fasting sugar was 11.2 this week"
    ]
    # The customer's words are not the dietitian's to take away.
    [row] = care_requests(dietitian)
    assert row["message"] == "" and row["customer"] == "Casey"
    exported = AccessAuditEntry.objects.filter(actor=dietitian, subject=customer, action="export")
    assert [(e.resource, e.door) for e in exported] == [("care team", "task")]


def test_what_waits_on_a_dietitian_ends_when_they_no_longer_are_one(client, make_user):
    customer, other = make_user(display_name="Casey"), make_user(display_name="Cleo")
    dietitian = make_user(Role.DIETITIAN, display_name="Dana")
    offered = post(client, dietitian, "/api/care-team", {
        "customer_id": customer.pk, "professional_id": dietitian.pk,
    })  # fmt: skip
    assert offered.status_code == 202
    asked = api_json(ask(client, other, dietitian, "Please"))["id"]
    # The account becomes a medical provider's: the customer agreed to a dietitian.
    dietitian.role = Role.MEDICAL_PROVIDER
    dietitian.save()
    assert set(CareRequest.objects.values_list("status", flat=True)) == {"withdrawn"}
    refused = post(client, customer, f"/api/care-requests/{api_json(offered)['id']}/accept")
    assert refused.status_code == 409 and not CareTeamMember.objects.exists()
    # Back to dietitian: nothing comes back to life.
    dietitian.role = Role.DIETITIAN
    dietitian.save()
    assert post(client, dietitian, f"/api/care-requests/{asked}/accept").status_code == 409
    assert not CareTeamMember.objects.exists()


def test_a_deactivated_dietitians_offers_end(client, make_user, django_capture_on_commit_callbacks):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    offered = post(client, dietitian, "/api/care-team", {
        "customer_id": customer.pk, "professional_id": dietitian.pk,
    })  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        dietitian.is_active = False
        dietitian.save()
    dietitian.is_active = True
    dietitian.save()
    refused = post(client, customer, f"/api/care-requests/{api_json(offered)['id']}/accept")
    assert refused.status_code == 409 and not CareTeamMember.objects.exists()


def unread_kinds(client, user) -> list[str]:
    items = api_json(client.get("/api/notifications?unread=true", **bearer(user)))["items"]
    return [n["kind"] for n in items if n["read_at"] is None]


def test_the_notice_that_asked_is_read_once_answered(client, make_user):
    customer, other = make_user(display_name="Casey"), make_user(display_name="Cleo")
    dietitian = make_user(Role.DIETITIAN, display_name="Dana")
    offered = api_json(post(client, dietitian, "/api/care-team", {
        "customer_id": customer.pk, "professional_id": dietitian.pk,
    }))  # fmt: skip
    assert unread_kinds(client, customer) == ["care.offer"]
    assert post(client, customer, f"/api/care-requests/{offered['id']}/accept").status_code == 200
    # The offer asks nothing any more; being told the team formed is new.
    assert "care.offer" not in unread_kinds(client, customer)
    asked = api_json(ask(client, other, dietitian, "Please"))["id"]
    assert "care.request" in unread_kinds(client, dietitian)
    declined = post(client, dietitian, f"/api/care-requests/{asked}/decline", {"reply": "Full"})
    assert declined.status_code == 200
    assert "care.request" not in unread_kinds(client, dietitian)
