"""Rights that narrow take effect on sockets already open, as on HTTP and new sockets: a
demoted moderator, a block, read receipts turned off; and when the broadcast that says so
is lost, the access sweep and the tail check make up for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone

from accounts import services as accounts
from accounts.roles import Role
from advice import services as care
from community.forum import moderation
from community.forum import services as forum
from community.messaging import services as dm
from community.models import Category, ModeratorScope
from events import services as events
from realtime import connections, sweeper
from realtime.running import get_hub
from tests.helpers import api_json, bearer, new_user
from tests.realtime.helpers import next_of_type, receive_json, signed_in, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def a_hidden_and_a_locked_topic():
    cat = Category.objects.create(name="Health", slug="health", region="ca-on")
    old = timezone.now() - timedelta(days=100)
    author = new_user(Role.CUSTOMER, region="ca-on", date_joined=old)
    mod = new_user(Role.MODERATOR, region="ca-on", date_joined=old)
    admin = new_user(Role.ADMIN)
    ModeratorScope.objects.create(moderator=mod, region="ca-on")
    hidden, _ = forum.start_thread(author, cat.pk, "My HbA1c", "It was 9.1")
    moderation.thread_action(admin, hidden.pk, "hide", "private details")
    locked, _ = forum.start_thread(author, cat.pk, "Closed", "Done here")
    moderation.thread_action(admin, locked.pk, "lock", "finished")
    return mod, admin, hidden, locked


async def reply(comm, thread_id: int, client_id: str) -> dict:
    await comm.send_json_to(
        {"type": "forum.reply", "id": client_id, "thread": thread_id, "body": "One more"}
    )
    while True:
        frame = await receive_json(comm)
        if frame.get("id") == client_id:
            return frame


async def test_a_demoted_moderator_loses_hidden_topics_and_locked_replies_on_open_sockets():
    mod, admin, hidden, locked = await a_hidden_and_a_locked_topic()
    sock = await signed_in(mod)
    await subscribe(sock, hidden.topic, since=0)  # a moderator may follow a hidden topic
    assert (await reply(sock, locked.pk, "before"))["type"] == "ack"

    await database_sync_to_async(accounts.set_role)(admin, mod, Role.CUSTOMER)

    dropped = await next_of_type(sock, "error")
    assert dropped["code"] == "forbidden" and dropped["topic"] == hidden.topic
    refused = await reply(sock, locked.pk, "after")
    assert refused["type"] == "error" and refused["code"] == "locked"
    await sock.send_json_to({"type": "subscribe", "topic": hidden.topic, "since": 0})
    again = await receive_json(sock)
    assert again["type"] == "error" and again["code"] == "forbidden"


async def test_the_sweep_acts_on_narrowed_rights_whose_broadcast_was_lost(monkeypatch):
    mod, admin, hidden, _ = await a_hidden_and_a_locked_topic()
    sock = await signed_in(mod)
    await subscribe(sock, hidden.topic)
    monkeypatch.setattr(connections, "_tell_sockets", lambda user_ids, message: None)

    await database_sync_to_async(accounts.set_role)(admin, mod, Role.CUSTOMER)
    assert await sock.receive_nothing(0.3)  # the broadcast was lost

    await sweeper.sweep_once()
    dropped = await next_of_type(sock, "error")
    assert dropped["code"] == "forbidden" and dropped["topic"] == hidden.topic


async def test_the_tail_check_rechecks_a_topic_whose_recheck_broadcast_was_lost(monkeypatch):
    _, admin, _, _ = await a_hidden_and_a_locked_topic()
    visible, _ = await database_sync_to_async(forum.start_thread)(
        admin, (await database_sync_to_async(Category.objects.get)(slug="health")).pk, "T", "B"
    )
    reader = await database_sync_to_async(new_user)(Role.CUSTOMER, region="ca-on")
    sock = await signed_in(reader)
    await subscribe(sock, visible.topic)
    # The recheck broadcast goes nowhere; only its stamp in the database is left.
    monkeypatch.setattr(
        "realtime.publish.publish_message", lambda topic, seq, frame, skip=None: None
    )
    await database_sync_to_async(moderation.thread_action)(admin, visible.pk, "hide", "oops")
    assert await sock.receive_nothing(0.3)

    await (await get_hub()).tail_check()
    dropped = await next_of_type(sock, "error")
    assert dropped["code"] == "forbidden" and dropped["topic"] == visible.topic


async def test_a_block_reaches_the_blocked_members_open_socket():
    alice = await database_sync_to_async(new_user)()
    bob = await database_sync_to_async(new_user)()
    conversation = await database_sync_to_async(dm.start_conversation)(alice, [bob.pk])
    b = await signed_in(bob)
    await subscribe(b, conversation.topic)

    await database_sync_to_async(dm.block)(alice, bob.pk)

    dropped = await next_of_type(b, "error")
    assert dropped["code"] == "forbidden" and dropped["topic"] == conversation.topic
    a = await signed_in(alice)
    await subscribe(a, conversation.topic)
    await database_sync_to_async(dm.mark_read)(alice, conversation.pk, 0)
    assert await b.receive_nothing(0.3)  # neither alice's presence nor her receipts


async def test_with_read_receipts_off_opening_a_conversation_shows_no_presence():
    alice = await database_sync_to_async(new_user)()
    bob = await database_sync_to_async(new_user)()
    conversation = await database_sync_to_async(dm.start_conversation)(alice, [bob.pk])
    await database_sync_to_async(dm.update_messaging_settings)(bob, share_read_receipts=False)
    a = await signed_in(alice)
    await subscribe(a, conversation.topic)

    b = await signed_in(bob)
    _, subscribed = await subscribe(b, conversation.topic)
    assert subscribed["online"] == [alice.pk]  # bob still sees who is there
    assert await a.receive_nothing(0.3)  # alice is not told bob opened it


async def test_turning_receipts_off_takes_an_open_conversation_out_of_presence():
    alice = await database_sync_to_async(new_user)()
    bob = await database_sync_to_async(new_user)()
    conversation = await database_sync_to_async(dm.start_conversation)(alice, [bob.pk])
    a, b = await signed_in(alice), await signed_in(bob)
    await subscribe(a, conversation.topic)
    await subscribe(b, conversation.topic)
    joined = await next_of_type(a, "event", "presence.changed")
    assert joined["data"] == {"user_id": bob.pk, "online": True}

    await database_sync_to_async(dm.update_messaging_settings)(bob, share_read_receipts=False)

    left = await next_of_type(a, "event", "presence.changed")
    assert left["data"] == {"user_id": bob.pk, "online": False}


async def test_moving_out_of_a_regional_events_region_takes_a_member_out_of_its_live_room():
    @database_sync_to_async
    def setting_up():
        host = new_user(Role.DIETITIAN)
        start = timezone.now() + timedelta(minutes=30)
        event = events.create_event(
            host, title="Ontario circle", kind="virtual", region="ca-on", time_zone="UTC",
            starts_at=start, ends_at=start + timedelta(hours=1),
        )  # fmt: skip
        member = new_user(Role.CUSTOMER, region="ca-on")
        events.rsvp(member, event.pk)
        return event, member

    event, member = await setting_up()
    sock = await signed_in(member)
    await subscribe(sock, event.topic)

    @database_sync_to_async
    def move_away():
        member.region = "ca-bc"
        member.save()  # as the Django admin or a staff change would

    await move_away()

    dropped = await next_of_type(sock, "error")
    assert dropped["code"] == "forbidden" and dropped["topic"] == event.topic
    await sock.send_json_to({"type": "room.chat", "id": "c1", "event": event.pk, "body": "hi"})
    refused = await next_of_type(sock, "error")
    assert refused["id"] == "c1" and refused["code"] == "not_found"


async def test_a_demoted_dietitian_leaves_care_teams_and_loses_their_trust_at_once():
    @database_sync_to_async
    def setting_up():
        admin = new_user(Role.ADMIN)
        dietitian = new_user(Role.DIETITIAN)
        patient = new_user(Role.CUSTOMER)
        care.add_to_care_team(admin, patient, dietitian)
        conversation = dm.start_conversation(dietitian, [patient.pk])
        dm.block(patient, dietitian.pk)  # a care relationship passes the block
        start = timezone.now() + timedelta(days=1)
        event = events.create_event(
            dietitian, title="Clinic", kind="virtual", time_zone="UTC",
            starts_at=start, ends_at=start + timedelta(hours=1),
        )  # fmt: skip
        return admin, dietitian, patient, conversation, event

    admin, dietitian, patient, conversation, event = await setting_up()
    sock = await signed_in(dietitian)
    await subscribe(sock, conversation.topic)

    await database_sync_to_async(accounts.set_role)(admin, dietitian, Role.CUSTOMER)

    dropped = await next_of_type(sock, "error")
    assert dropped["code"] == "forbidden" and dropped["topic"] == conversation.topic
    await sock.send_json_to(
        {"type": "dm.send", "id": "m1", "conversation": conversation.pk, "body": "hello"}
    )
    refused = await next_of_type(sock, "error")
    assert refused["id"] == "m1" and refused["code"] == "blocked"
    assert await sock.receive_nothing(0.2)  # the topic was dropped once, and said once

    @database_sync_to_async
    def what_is_left():
        client = Client()
        teams = client.get("/api/care-team", **bearer(patient))
        attendees = client.get(f"/api/events/{event.pk}/attendees", **bearer(dietitian))
        return api_json(teams), attendees.status_code

    teams, attendees = await what_is_left()
    assert teams == []  # the patient's care team no longer holds them
    assert attendees == 403
