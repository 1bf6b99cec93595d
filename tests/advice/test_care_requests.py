"""Care requests: a customer asks a dietitian (once at a time, not one who blocks or is
blocked, only an active dietitian), who accepts (the care team forms, audited, with a
notice on both sides) or declines with a reply; the customer may withdraw; a dietitian
hands a customer over and leaves the team when the other accepts. Nothing is mailed."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from accounts.roles import Role
from accounts.signals import rights_narrowed
from advice import services as care
from advice.models import CareRequest, CareTeamMember
from community.messaging import services as dm
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
    # Only the dietitian asked answers.
    assert post(client, customer, f"/api/care-requests/{request['id']}/accept").status_code == 404

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


def test_a_dietitian_hands_a_customer_over(client, make_user, admin_user):
    customer = make_user(display_name="Casey")
    dana = make_user(Role.DIETITIAN, display_name="Dana")
    erin = make_user(Role.DIETITIAN, display_name="Erin")
    care.add_to_care_team(admin_user, customer, dana)

    def hand_over(actor, customer_id, to):
        return post(
            client,
            actor,
            "/api/care-team/handover",
            {"customer_id": customer_id, "to_professional_id": to.pk, "message": "Moving away"},
        )

    # Only a dietitian of the customer's care team, to another dietitian.
    assert hand_over(erin, customer.pk, dana).status_code == 404
    assert hand_over(dana, customer.pk, dana).status_code == 400
    assert hand_over(dana, customer.pk, make_user(Role.MEDICAL_PROVIDER)).status_code == 404
    made = hand_over(dana, customer.pk, erin)
    assert made.status_code == 201, made.content
    request = api_json(made)
    assert request["handed_over_by"]["name"] == "Dana"
    assert notices(client, customer)[0] == ("care.handed_over", "Dana hands your care over to Erin")
    assert notices(client, erin) == [("care.request", "Dana hands Casey over to your care")]
    assert hand_over(dana, customer.pk, erin).status_code == 409

    narrowed: list[list[int]] = []

    def heard(sender, user_ids, **kwargs):
        narrowed.append(user_ids)

    rights_narrowed.connect(heard)
    try:
        assert post(client, erin, f"/api/care-requests/{request['id']}/accept").status_code == 200
    finally:
        rights_narrowed.disconnect(heard)
    team = set(
        CareTeamMember.objects.filter(customer=customer).values_list("professional_id", flat=True)
    )
    assert team == {erin.pk}
    assert sorted([customer.pk, dana.pk]) in narrowed
    assert notices(client, customer)[0] == (
        "care.handed_over",
        "Erin took over your care from Dana",
    )
    assert notices(client, dana)[0] == ("care.handed_over", "Erin took over the care of Casey")
    assert notices(client, erin)[0] == ("care.joined", "Casey is in your care now")
    assert mail.outbox == []
