"""Real daphne processes in production mode, sharing one PostgreSQL and one Redis.

The Redis here is the test's own (a redis-server on a free port), so it can be stopped
and started again. Each server is ``scripts/serve``, the same as production.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets

from tests.live import Cluster, Server

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cluster, Server, Server]]:
    cluster = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        first = cluster.start_server()
        second = cluster.start_server()
        yield cluster, first, second
    finally:
        cluster.close()


async def connect(server: Server, token: str, **options):
    origin = f"http://127.0.0.1:{server.port}"  # the site itself, as a browser would say
    socket = await websockets.connect(server.ws_url(), origin=origin, **options)
    await socket.send(json.dumps({"type": "auth", "token": token}))
    ready = json.loads(await asyncio.wait_for(socket.recv(), 10))
    assert ready["type"] == "ready", ready
    return socket


async def subscribe(socket, topic: str, since: int | None = None) -> tuple[list[dict], dict]:
    frame = {"type": "subscribe", "topic": topic}
    if since is not None:
        frame["since"] = since
    await socket.send(json.dumps(frame))
    before = []
    while True:
        reply = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if reply["type"] == "subscribed":
            return before, reply
        before.append(reply)


async def next_event(socket, event: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        frame = json.loads(await asyncio.wait_for(socket.recv(), max(remaining, 0.01)))
        if frame.get("event") == event:
            return frame


def conversation_between(server: Server, token: str, other_id: int) -> int:
    status, conversation = server.call("POST", "/api/conversations", {"members": [other_id]}, token)
    assert status == 201, conversation
    return conversation["id"]


async def test_an_event_published_on_one_process_reaches_followers_on_another(cluster):
    _, first, second = cluster
    _, alice_token = first.sign_up("alice")
    bob_id, bob_token = second.sign_up("bob")
    conversation = conversation_between(first, alice_token, bob_id)
    alice = await connect(first, alice_token)
    bob = await connect(second, bob_token)
    try:
        await subscribe(bob, f"dm:{conversation}")
        await alice.send(
            json.dumps(
                {"type": "dm.send", "id": "x1", "conversation": conversation, "body": "across"}
            )
        )
        ack = json.loads(await asyncio.wait_for(alice.recv(), 10))
        assert ack["type"] == "ack"
        event = await next_event(bob, "message.created")
        assert event["seq"] == ack["seq"]
        assert event["data"]["html"] == "<p>across</p>"
    finally:
        await alice.close()
        await bob.close()


async def test_redis_restarting_loses_no_stored_message(cluster):
    redis_cluster, first, second = cluster
    _, alice_token = first.sign_up("alice")
    bob_id, bob_token = second.sign_up("bob")
    conversation = conversation_between(first, alice_token, bob_id)
    bob = await connect(second, bob_token)
    try:
        await subscribe(bob, f"dm:{conversation}")
        redis_cluster.redis.stop()
        status, sent = await asyncio.to_thread(
            first.call,
            "POST",
            f"/api/conversations/{conversation}/messages",
            {"body": "while redis was down", "client_id": "down-1"},
            alice_token,
        )
        assert status == 201, sent  # stored, though it could not be broadcast
        redis_cluster.redis.start()
        event = await next_event(bob, "message.created", timeout=20)
        assert event["data"]["html"] == "<p>while redis was down</p>"
        assert event["seq"] == sent["seq"]
        # And live delivery works again afterwards.
        status, again = await asyncio.to_thread(
            first.call,
            "POST",
            f"/api/conversations/{conversation}/messages",
            {"body": "redis is back", "client_id": "up-1"},
            alice_token,
        )
        assert status == 201
        event = await next_event(bob, "message.created")
        assert event["seq"] == again["seq"]
    finally:
        await bob.close()


async def test_a_socket_too_far_behind_is_closed_and_resumes_from_its_cursor(cluster):
    _, first, second = cluster
    _, alice_token = first.sign_up("alice")
    bob_id, bob_token = second.sign_up("bob")
    conversation = conversation_between(first, alice_token, bob_id)
    # A client that stops reading: websockets stops taking bytes once its queue is full.
    slow = await connect(second, bob_token, max_queue=4, max_size=None, ping_interval=None)
    _, subscribed = await subscribe(slow, f"dm:{conversation}")
    body = "x" * 9000

    def post(i: int) -> int:
        status, sent = first.call(
            "POST", f"/api/conversations/{conversation}/messages",
            {"body": f"{i} {body}", "client_id": f"slow-{i}"}, alice_token,
        )  # fmt: skip
        assert status == 201, sent
        return int(sent["seq"])

    # Several MB, quickly: past the kernel's buffers and WS_SEND_QUEUE_BYTES (256 KiB here).
    with ThreadPoolExecutor(8) as pool:
        sent_seqs = sorted(await asyncio.to_thread(lambda: list(pool.map(post, range(1000)))))
    received = []
    code = None
    try:
        while True:
            frame = json.loads(await asyncio.wait_for(slow.recv(), 10))
            if frame.get("event") == "message.created":
                received.append(frame["seq"])
    except websockets.ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd else None
    assert code == 4500, f"closed with {code} after {len(received)} of {len(sent_seqs)} events"
    assert received == sorted(received) and len(received) < len(sent_seqs)
    # Reconnect with the cursor: exactly the rest, in order.
    cursor = received[-1] if received else subscribed["seq"]
    again = await connect(second, bob_token, max_size=None)
    try:
        replayed, _ = await subscribe(again, f"dm:{conversation}", since=cursor)
        replayed_seqs = [f["seq"] for f in replayed if f.get("event") == "message.created"]
        assert received + replayed_seqs == sent_seqs
    finally:
        await again.close()


async def test_a_killed_process_leaves_no_presence_ghosts(cluster):
    redis_cluster, first, _ = cluster
    doomed = redis_cluster.start_server()
    alice_id, alice_token = first.sign_up("alice")
    bob_id, bob_token = first.sign_up("bob")
    conversation = conversation_between(first, alice_token, bob_id)
    bob = await connect(doomed, bob_token)
    await subscribe(bob, f"dm:{conversation}")
    doomed.stop(signal.SIGKILL)
    alice = await connect(first, alice_token)
    try:
        _, reply = await subscribe(alice, f"dm:{conversation}")
        assert bob_id in reply["online"]  # the ghost, until its entry expires
        await asyncio.sleep(3.5)  # PRESENCE_TTL_SECONDS in this cluster
        await alice.send(json.dumps({"type": "unsubscribe", "topic": f"dm:{conversation}"}))
        json.loads(await asyncio.wait_for(alice.recv(), 10))
        _, reply = await subscribe(alice, f"dm:{conversation}")
        assert reply["online"] == [alice_id]
    finally:
        await alice.close()
        await bob.close()
