"""Rules that keep private what should be: blocks, care teams, deleted words, contacts."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.roles import Role
from advice.models import CareTeamMember
from community.messaging import sending
from community.messaging import services as dm
from realtime import log
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def test_only_admins_build_others_care_teams_and_the_refusal_reveals_nothing(client, make_user):
    customer, dietitian, admin = make_user(), make_user(Role.DIETITIAN), make_user(Role.ADMIN)
    colleague = make_user(Role.DIETITIAN)
    body = {"customer_id": customer.pk, "professional_id": dietitian.pk}
    # A dietitian adds customers to their own care only (tests/advice/test_care_team.py).
    refused = client.post(
        "/api/care-team",
        {"customer_id": customer.pk, "professional_id": dietitian.pk},
        content_type="application/json",
        **bearer(colleague),
    )
    assert refused.status_code == 403
    missing = {"customer_id": 99999999, "professional_id": dietitian.pk}
    assert (
        client.post(
            "/api/care-team", missing, content_type="application/json", **bearer(colleague)
        ).status_code
        == 403
    )
    assert not CareTeamMember.objects.exists()
    assert (
        client.post(
            "/api/care-team", body, content_type="application/json", **bearer(admin)
        ).status_code
        == 204
    )
    # Either side may leave.
    assert (
        client.delete(
            f"/api/care-team/{customer.pk}/{dietitian.pk}", **bearer(customer)
        ).status_code
        == 204
    )
    assert not CareTeamMember.objects.exists()


def test_a_deleted_message_does_not_come_back_in_a_replay(make_user):
    alice, bob = make_user(), make_user()
    conversation = dm.start_conversation(alice, [bob.pk])
    message = sending.send_direct_message(alice, conversation.pk, "my secret is hunter2", "s1")
    dm.edit_message(alice, message.pk, "my secret is ******")
    assert "hunter2" not in str([e.data for e in log.read_after(conversation.topic, 0) or []])
    dm.delete_message(alice, message.pk)
    replay = log.read_after(conversation.topic, 0) or []
    assert "******" not in str([e.data for e in replay])
    created = next(e for e in replay if e.type == "message.created")
    assert created.data["deleted"] is True and created.data["html"] == ""


def test_people_who_blocked_one_another_cannot_be_put_in_a_group(client, make_user):
    alice, bob, carol = make_user(), make_user(), make_user()
    dm.block(bob, carol.pk)
    response = client.post(
        "/api/conversations",
        {"members": [bob.pk, carol.pk]},
        content_type="application/json",
        **bearer(alice),
    )
    assert response.status_code == 403
    assert api_json(response)["code"] == "blocked"


def test_a_blocked_person_can_no_longer_follow_or_type_in_the_direct_conversation(make_user):
    from community.messaging.topics import can_follow

    alice, bob = make_user(), make_user()
    conversation = dm.start_conversation(alice, [bob.pk])
    assert can_follow(bob, str(conversation.pk))
    dm.block(alice, bob.pk)
    assert not can_follow(bob, str(conversation.pk))
    from core.errors import Forbidden

    with pytest.raises(Forbidden):
        dm.signal_typing(bob, conversation.pk)


def test_contacts_never_match_an_email_address(client, make_user):
    searcher = make_user()
    make_user(email="robin.secret@example.org", display_name="")
    assert api_json(client.get("/api/messaging/contacts?q=robin.sec", **bearer(searcher))) == []
    found = api_json(
        client.get("/api/messaging/contacts?q=robin.secret@example.org", **bearer(searcher))
    )
    assert found == []


def test_the_read_position_cannot_pass_the_end(client, make_user):
    alice, bob = make_user(), make_user()
    conversation = dm.start_conversation(alice, [bob.pk])
    message = sending.send_direct_message(alice, conversation.pk, "one", "r1")
    response = client.post(
        f"/api/conversations/{conversation.pk}/read",
        {"seq": 2**60},
        content_type="application/json",
        **bearer(bob),
    )
    assert api_json(response)["seq"] == message.seq
    sending.send_direct_message(alice, conversation.pk, "two", "r2")
    listed = api_json(client.get("/api/conversations", **bearer(bob)))[0]
    assert listed["unread"] == 1


def test_hidden_read_receipts_are_never_broadcast_or_stored(make_user):
    alice, bob = make_user(), make_user()
    conversation = dm.start_conversation(alice, [bob.pk])
    message = sending.send_direct_message(alice, conversation.pk, "seen?", "h1")
    dm.update_messaging_settings(bob, share_read_receipts=False)
    with transaction.atomic():
        dm.mark_read(bob, conversation.pk, message.seq)
    assert not [e for e in log.read_after(conversation.topic, 0) or [] if e.type == "read.updated"]


def test_http_actions_share_the_rate_limit(client, make_user, settings):
    settings.RATE_ACTIONS_PER_SECOND = 1.0
    settings.RATE_ACTIONS_BURST = 2.0
    alice, bob = make_user(), make_user()
    conversation = api_json(
        client.post(
            "/api/conversations",
            {"members": [bob.pk]},
            content_type="application/json",
            **bearer(alice),
        )
    )["id"]
    statuses = []
    for i in range(3):
        response = client.post(
            f"/api/conversations/{conversation}/messages",
            {"body": "hi", "client_id": f"rl{i}"},
            content_type="application/json",
            **bearer(alice),
        )
        statuses.append(response.status_code)
    assert statuses[:1] == [201] and 429 in statuses
    limited = api_json(response)
    assert limited["code"] == "rate_limited" and limited["retry_after"] > 0
    assert response["Retry-After"]
