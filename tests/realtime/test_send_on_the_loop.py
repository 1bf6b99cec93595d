"""The gateway's send on PostgreSQL runs on the event loop (realtime.aio): the same rules
and effects as the synchronous service, without a worker thread on the common path."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from community.messaging import sending
from community.messaging import services as dm
from community.models import Conversation, Message
from core.errors import Forbidden, NotFound
from notifications.models import Notification
from realtime import aio
from realtime.models import LogEntry
from tests.realtime.helpers import next_of_type, signed_in, subscribe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _on_postgres() -> None:
    assert aio.db_available(), "these tests are about the PostgreSQL path"


async def test_a_socket_send_between_watching_members_takes_no_worker_thread(
    make_user_async, monkeypatch
):
    alice, bob = await make_user_async(), await make_user_async()
    conversation = await database_sync_to_async(dm.start_conversation)(alice, [bob.pk])
    a, b = await signed_in(alice), await signed_in(bob)
    await subscribe(a, conversation.topic)
    await subscribe(b, conversation.topic)

    def no_thread(func):
        raise AssertionError(f"{func.__name__} went to a worker thread")

    monkeypatch.setattr(sending, "in_db_thread", no_thread)
    monkeypatch.setattr(sending, "in_thread", no_thread)
    await a.send_json_to(
        {"type": "dm.send", "id": "k1", "conversation": conversation.pk, "body": "hi"}
    )
    ack = await next_of_type(a, "ack")
    event = await next_of_type(b, "event", "message.created")

    assert event["seq"] == ack["seq"] == 1
    assert event["data"]["id"] == ack["message"]
    assert event["data"]["html"] == "<p>hi</p>"
    await a.disconnect()
    await b.disconnect()


async def test_a_group_send_stores_message_event_and_notices_for_those_away(make_user_async):
    alice, bob, carol = await make_user_async(), await make_user_async(), await make_user_async()
    group = await database_sync_to_async(dm.start_conversation)(alice, [bob.pk, carol.pk], "Plan")

    message = await sending.asend_direct_message(alice, group.pk, "Lentils **tonight**", "g1")

    stored = await database_sync_to_async(Message.objects.get)(pk=message.pk)
    assert (stored.body, stored.seq, stored.client_id) == ("Lentils **tonight**", 1, "g1")
    assert stored.html == "<p>Lentils <strong>tonight</strong></p>"
    event = await database_sync_to_async(LogEntry.objects.get)(topic=group.topic, seq=1)
    assert event.type == "message.created" and event.data["id"] == message.pk
    refreshed = await database_sync_to_async(Conversation.objects.get)(pk=group.pk)
    assert refreshed.last_message_at == stored.created_at
    notified = await database_sync_to_async(
        lambda: sorted(
            Notification.objects.filter(kind="dm.message").values_list("user_id", flat=True)
        )
    )()
    assert notified == sorted([bob.pk, carol.pk])


async def test_a_retried_client_id_returns_the_first_message(make_user_async):
    alice, bob = await make_user_async(), await make_user_async()
    conversation = await database_sync_to_async(dm.start_conversation)(alice, [bob.pk])

    first = await sending.asend_direct_message(alice, conversation.pk, "one", "same")
    again = await sending.asend_direct_message(alice, conversation.pk, "one", "same")

    assert again.pk == first.pk and again.seq == first.seq
    count = await database_sync_to_async(Message.objects.filter(conversation=conversation).count)()
    assert count == 1


async def test_the_rules_apply_and_a_retry_from_before_a_block_is_still_acked(make_user_async):
    alice, bob = await make_user_async(), await make_user_async()
    conversation = await database_sync_to_async(dm.start_conversation)(alice, [bob.pk])
    first = await sending.asend_direct_message(alice, conversation.pk, "before", "b1")
    await database_sync_to_async(dm.block)(bob, alice.pk)

    with pytest.raises(Forbidden) as refused:
        await sending.asend_direct_message(alice, conversation.pk, "after", "b2")
    assert refused.value.code == "blocked"
    retried = await sending.asend_direct_message(alice, conversation.pk, "before", "b1")
    assert retried.pk == first.pk
    count = await database_sync_to_async(Message.objects.filter(conversation=conversation).count)()
    assert count == 1


async def test_a_stranger_gets_not_found_and_nothing_is_stored(make_user_async):
    alice, bob, mallory = await make_user_async(), await make_user_async(), await make_user_async()
    conversation = await database_sync_to_async(dm.start_conversation)(alice, [bob.pk])

    with pytest.raises(NotFound):
        await sending.asend_direct_message(mallory, conversation.pk, "let me in", "m1")
    assert not await database_sync_to_async(Message.objects.exists)()


async def test_in_a_group_only_members_not_watching_get_a_notice(make_user_async):
    alice, bob, carol = await make_user_async(), await make_user_async(), await make_user_async()
    group = await database_sync_to_async(dm.start_conversation)(alice, [bob.pk, carol.pk], "Plan")
    b = await signed_in(bob)
    await subscribe(b, group.topic)

    await sending.asend_direct_message(alice, group.pk, "who is here?", "w1")

    event = await next_of_type(b, "event", "message.created")
    assert event["data"]["client_id"] == "w1"
    notified = await database_sync_to_async(
        lambda: list(
            Notification.objects.filter(kind="dm.message").values_list("user_id", flat=True)
        )
    )()
    assert notified == [carol.pk]
    await b.disconnect()
