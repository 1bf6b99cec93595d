"""Direct messages over the socket: live, durable, replayed, idempotent, private, sanitized."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from community.messaging import sending
from community.messaging import services as dm
from community.models import Message
from realtime import log
from tests.helpers import bearer
from tests.realtime.helpers import next_of_type, receive_json, rename, signed_in, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pair(make_user_async):
    async def make():
        alice, bob = await make_user_async(), await make_user_async()
        conversation = await database_sync_to_async(dm.start_conversation)(alice, [bob.pk])
        return alice, bob, conversation

    return make


async def test_a_message_reaches_the_other_member_live_and_is_acked_with_its_seq(pair):
    alice, bob, conversation = await pair()
    a, b = await signed_in(alice), await signed_in(bob)
    await subscribe(a, conversation.topic)
    await subscribe(b, conversation.topic)

    await a.send_json_to(
        {"type": "dm.send", "id": "c1", "conversation": conversation.pk, "body": "Hi *Bob*"}
    )
    ack = await next_of_type(a, "ack")
    event = await next_of_type(b, "event", "message.created")

    stored = await database_sync_to_async(Message.objects.get)(pk=ack["message"])
    assert ack == {
        "type": "ack",
        "id": "c1",
        "message": stored.pk,
        "conversation": conversation.pk,
        "seq": stored.seq,
    }
    assert event["topic"] == conversation.topic
    assert event["seq"] == stored.seq
    assert event["data"]["html"] == "<p>Hi <em>Bob</em></p>"
    assert event["data"]["sender"]["id"] == alice.pk


async def test_a_retried_send_is_stored_once_and_acked_with_the_same_id(pair):
    alice, bob, conversation = await pair()
    a, b = await signed_in(alice), await signed_in(bob)
    await subscribe(b, conversation.topic)
    frame = {"type": "dm.send", "id": "retry-1", "conversation": conversation.pk, "body": "once"}
    await a.send_json_to(frame)
    first = await next_of_type(a, "ack")
    await a.send_json_to(frame)
    second = await next_of_type(a, "ack")
    assert first == second
    assert await database_sync_to_async(Message.objects.filter(client_id="retry-1").count)() == 1
    await next_of_type(b, "event", "message.created")
    assert await b.receive_nothing(0.3)


async def test_reconnect_with_cursor_gets_exactly_the_missed_events_in_order(pair):
    alice, bob, conversation = await pair()
    a = await signed_in(alice)
    b = await signed_in(bob)
    await subscribe(a, conversation.topic)
    _, reply = await subscribe(b, conversation.topic)
    for i in range(2):
        await a.send_json_to(
            {"type": "dm.send", "id": f"m{i}", "conversation": conversation.pk, "body": f"seen {i}"}
        )
        await next_of_type(a, "ack")
    seen = [await next_of_type(b, "event", "message.created") for _ in range(2)]
    cursor = seen[-1]["seq"]
    await b.disconnect()

    # While Bob is away: three messages, an edit and a delete.
    acks = []
    for i in range(3):
        await a.send_json_to(
            {
                "type": "dm.send",
                "id": f"away{i}",
                "conversation": conversation.pk,
                "body": f"missed {i}",
            }
        )
        acks.append(await next_of_type(a, "ack"))
    await a.send_json_to(
        {"type": "dm.edit", "id": "e1", "message": acks[0]["message"], "body": "missed 0, edited"}
    )
    await next_of_type(a, "ack")
    await a.send_json_to({"type": "dm.delete", "id": "d1", "message": acks[1]["message"]})
    await next_of_type(a, "ack")

    b2 = await signed_in(bob)
    replayed, reply = await subscribe(b2, conversation.topic, since=cursor)
    kinds = [(f["event"], f["data"].get("id")) for f in replayed]
    assert kinds == [
        ("message.created", acks[0]["message"]),
        ("message.created", acks[1]["message"]),
        ("message.created", acks[2]["message"]),
        ("message.edited", acks[0]["message"]),
        ("message.deleted", acks[1]["message"]),
    ]
    seqs = [f["seq"] for f in replayed]
    assert seqs == sorted(set(seqs)) and seqs[0] == cursor + 1
    assert reply["seq"] == seqs[-1]
    assert await b2.receive_nothing(0.3)
    # Live again after the replay, without duplicates.
    await a.send_json_to(
        {"type": "dm.send", "id": "back", "conversation": conversation.pk, "body": "welcome back"}
    )
    live = await next_of_type(b2, "event", "message.created")
    assert live["seq"] == seqs[-1] + 1


async def test_subscribing_without_a_cursor_starts_at_the_current_seq(pair):
    alice, bob, conversation = await pair()
    await database_sync_to_async(sending.send_direct_message)(
        alice, conversation.pk, "before", "x1"
    )
    b = await signed_in(bob)
    replayed, reply = await subscribe(b, conversation.topic)
    assert replayed == []
    assert reply["seq"] == await database_sync_to_async(log.latest_seq)(conversation.topic)


async def test_a_cursor_older_than_retention_gets_resync(pair, settings):
    alice, bob, conversation = await pair()
    for i in range(3):
        await database_sync_to_async(sending.send_direct_message)(
            alice, conversation.pk, f"old {i}", f"o{i}"
        )
    settings.REALTIME_RETENTION_DAYS = 0
    from django.utils import timezone

    await database_sync_to_async(log.prune)(timezone.now() + timezone.timedelta(seconds=1))
    b = await signed_in(bob)
    await b.send_json_to({"type": "subscribe", "topic": conversation.topic, "since": 1})
    resync = await receive_json(b)
    assert resync["type"] == "resync"
    assert resync["seq"] == await database_sync_to_async(log.latest_seq)(conversation.topic)
    assert (await receive_json(b))["type"] == "subscribed"


async def test_a_stranger_can_neither_follow_nor_post_and_members_see_nothing(
    pair, make_user_async
):
    _, bob, conversation = await pair()
    mallory = await make_user_async()
    b = await signed_in(bob)
    await subscribe(b, conversation.topic)
    m = await signed_in(mallory)

    await m.send_json_to({"type": "subscribe", "topic": conversation.topic, "since": 0})
    refused = await receive_json(m)
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    await m.send_json_to(
        {"type": "dm.send", "id": "x", "conversation": conversation.pk, "body": "let me in"}
    )
    refused = await receive_json(m)
    assert refused == {
        "type": "error",
        "code": "not_found",
        "message": "no such conversation",
        "id": "x",
    }
    await m.send_json_to({"type": "dm.typing", "conversation": conversation.pk})
    assert (await receive_json(m))["code"] == "not_found"
    assert await m.receive_nothing(0.2)
    assert await b.receive_nothing(0.3)
    assert not await database_sync_to_async(Message.objects.filter(sender=mallory).exists)()


async def test_hostile_html_reaches_the_other_member_sanitized(pair):
    alice, bob, conversation = await pair()
    a, b = await signed_in(alice), await signed_in(bob)
    await subscribe(b, conversation.topic)
    hostile = (
        '<script>alert(1)</script><img src=x onerror="alert(2)">'
        '[click](javascript:alert(3)) <a href="https://ok.example" onclick="x()">fine</a>'
    )
    await a.send_json_to(
        {"type": "dm.send", "id": "h1", "conversation": conversation.pk, "body": hostile}
    )
    html = (await next_of_type(b, "event", "message.created"))["data"]["html"]
    for bad in ("<script", "onerror", "javascript:", "onclick", "<img"):
        assert bad not in html
    assert 'href="https://ok.example"' in html


async def test_typing_is_live_but_never_replayed(pair):
    alice, bob, conversation = await pair()
    a, b = await signed_in(alice), await signed_in(bob)
    _, reply = await subscribe(b, conversation.topic)
    await a.send_json_to({"type": "dm.typing", "conversation": conversation.pk})
    typing = await next_of_type(b, "event", "typing.started")
    assert "seq" not in typing
    assert typing["data"] == {"conversation": conversation.pk, "user_id": alice.pk}
    b2 = await signed_in(bob)
    replayed, _ = await subscribe(b2, conversation.topic, since=reply["seq"])
    assert [f for f in replayed if f.get("event") == "typing.started"] == []


async def test_presence_lists_who_is_watching_and_announces_changes(pair):
    alice, bob, conversation = await pair()
    a, b = await signed_in(alice), await signed_in(bob)
    _, reply = await subscribe(a, conversation.topic)
    assert reply["online"] == [alice.pk]
    _, reply = await subscribe(b, conversation.topic)
    assert reply["online"] == sorted([alice.pk, bob.pk])
    joined = await next_of_type(a, "event", "presence.changed")
    assert joined["data"] == {"user_id": bob.pk, "online": True}
    await b.disconnect()
    left = await next_of_type(a, "event", "presence.changed")
    assert left["data"] == {"user_id": bob.pk, "online": False}


async def test_actions_beyond_the_rate_limit_get_retry_after(pair, settings):
    settings.RATE_ACTIONS_PER_SECOND = 1.0
    settings.RATE_ACTIONS_BURST = 3.0
    alice, _, conversation = await pair()
    a = await signed_in(alice)
    results = []
    for i in range(5):
        await a.send_json_to(
            {"type": "dm.send", "id": f"r{i}", "conversation": conversation.pk, "body": "spam"}
        )
        results.append(await receive_json(a))
    assert [r["type"] for r in results[:3]] == ["ack", "ack", "ack"]
    limited = results[3]
    assert limited["code"] == "rate_limited" and limited["id"] == "r3"
    assert 0 < limited["retry_after"] <= 1.0
    assert await database_sync_to_async(Message.objects.filter(sender=alice).count)() == 3


async def test_bad_frames_get_errors_and_the_socket_stays_usable(pair):
    alice, _, conversation = await pair()
    a = await signed_in(alice)
    bad = [
        ({"type": "subscribe"}, "invalid_frame"),
        ({"type": "subscribe", "topic": "nope"}, "unknown_topic"),
        ({"type": "subscribe", "topic": "dm:1", "extra": 1}, "invalid_frame"),
        ({"type": "subscribe", "topic": "dm:1", "since": -4}, "invalid_frame"),
        ({"type": "dm.send", "conversation": conversation.pk, "body": "no id"}, "invalid_frame"),
        ({"type": "dm.send", "id": "z", "conversation": "x", "body": "b"}, "invalid_frame"),
        (
            {"type": "dm.send", "id": "z", "conversation": conversation.pk, "body": "   "},
            "invalid_field",
        ),
        (
            {"type": "dm.send", "id": "bad id!", "conversation": conversation.pk, "body": "b"},
            "invalid_frame",
        ),
        ({"type": "dm.edit", "id": "z", "message": 999999, "body": "b"}, "not_found"),
    ]
    for frame, code in bad:
        await a.send_json_to(frame)
        reply = await receive_json(a)
        assert (reply["type"], reply["code"]) == ("error", code), frame
    await a.send_json_to({"type": "ping"})
    assert await receive_json(a) == {"type": "pong"}


async def test_new_message_notifies_a_member_who_is_not_watching(pair):
    alice, bob, conversation = await pair()
    a, b = await signed_in(alice), await signed_in(bob)
    await subscribe(b, f"user:{bob.pk}")
    await a.send_json_to(
        {"type": "dm.send", "id": "n1", "conversation": conversation.pk, "body": "ping"}
    )
    note = await next_of_type(b, "event", "notification.created")
    assert note["data"]["kind"] == "dm.message"
    assert note["data"]["data"]["conversation"] == conversation.pk
    # Watching the conversation: no notification for the next one.
    await subscribe(b, conversation.topic)
    await a.send_json_to(
        {"type": "dm.send", "id": "n2", "conversation": conversation.pk, "body": "again"}
    )
    await next_of_type(b, "event", "message.created")
    assert await b.receive_nothing(0.3)


async def test_nobody_may_follow_someone_elses_notifications(make_user_async):
    alice, bob = await make_user_async(), await make_user_async()
    a = await signed_in(alice)
    await a.send_json_to({"type": "subscribe", "topic": f"user:{bob.pk}"})
    assert (await receive_json(a))["code"] == "forbidden"
    await asyncio.sleep(0)


async def test_an_unexpected_failure_gets_an_error_and_the_socket_lives_on(pair, monkeypatch):
    from django.db import OperationalError

    alice, _, conversation = await pair()
    a = await signed_in(alice)

    def broken(user, conversation_id):
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(dm, "signal_typing", broken)
    await a.send_json_to({"type": "dm.typing", "conversation": conversation.pk})
    error = await receive_json(a)
    assert (error["type"], error["code"]) == ("error", "internal")
    await a.send_json_to({"type": "ping"})
    assert await receive_json(a) == {"type": "pong"}


async def test_a_replay_names_the_sender_as_they_choose_now(pair):
    alice, bob, conversation = await pair()
    await database_sync_to_async(sending.send_direct_message)(alice, conversation.pk, "Hi", "c1")
    await rename(alice, "A. Nonymous")
    b = await signed_in(bob)
    replayed, _ = await subscribe(b, conversation.topic, since=0)
    senders = [f["data"]["sender"] for f in replayed if f["event"] == "message.created"]
    assert senders == [{"id": alice.pk, "name": "A. Nonymous"}]


async def test_notices_and_new_conversations_name_the_sender_as_they_choose_now(pair):
    alice, bob, conversation = await pair()
    await database_sync_to_async(sending.send_direct_message)(alice, conversation.pk, "Hi", "c1")
    await rename(alice, "A. Nonymous")

    b = await signed_in(bob)
    replayed, _ = await subscribe(b, f"user:{bob.pk}", since=0)
    notices = [f["data"]["title"] for f in replayed if f["event"] == "notification.created"]
    added = [f["data"]["by"]["name"] for f in replayed if f["event"] == "conversation.added"]
    assert notices == ["New message from A. Nonymous"] and added == ["A. Nonymous"]
    listed = await database_sync_to_async(
        lambda: Client().get("/api/notifications", **bearer(bob)).json()
    )()
    assert [n["title"] for n in listed["items"]] == ["New message from A. Nonymous"]
    assert "User" not in str(replayed) + str(listed)  # the old name is nowhere
