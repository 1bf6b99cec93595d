"""Real daphne processes in production mode, sharing one PostgreSQL and one Redis.

The Redis here is the test's own (a redis-server on a free port), so it can be stopped
and started again. Each server is ``scripts/serve``, the same as production.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import websockets

from tests.server.test_startup import ROOT, clean_env, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PG_ADMIN = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
PASSWORD = "plum-lentil-kale-42"


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                import redis

                if redis.Redis(port=self.port).ping():
                    return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


class Server:
    def __init__(self, env: dict[str, str], workdir: Path, migrate: bool) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "PORT": str(self.port), "DATA_DIR": str(workdir)}
        if not migrate:
            env["SKIP_MIGRATE"] = "1"
        self.log = open(workdir / "server.log", "w")
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve")],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError(f"server did not start: {(workdir / 'server.log').read_text()[-2000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(20)
        self.log.close()

    def call(
        self, method: str, path: str, body: dict | None = None, token: str | None = None
    ) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def sign_up(self, name: str) -> tuple[int, str]:
        email = f"{name}-{uuid.uuid4().hex[:8]}@example.org"
        status, user = self.call(
            "POST", "/api/auth/signup", {"email": email, "password": PASSWORD, "display_name": name}
        )
        assert status == 201, user
        status, tokens = self.call(
            "POST", "/api/auth/token", {"email": email, "password": PASSWORD}
        )
        assert status == 200, tokens
        return user["id"], tokens["access_token"]

    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"


class Cluster:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.database = f"edt_cluster_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.redis = RedisServer(tmp)
        self.redis.start()
        base = PG_ADMIN.rsplit("/", 1)[0]
        self.env = clean_env(
            DATABASE_URL=f"{base}/{self.database}",
            REDIS_URL=self.redis.url,
            SECRET_KEY="cluster-test-secret-key-0123456789abcdefghij",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DEBUG="0",
            PRESENCE_TTL_SECONDS="3",
            REALTIME_TAIL_CHECK_SECONDS="1",
            WS_SEND_QUEUE_BYTES="262144",
            LOG_LEVEL="WARNING",
        )
        self.servers: list[Server] = []

    def start_server(self, migrate: bool = False) -> Server:
        workdir = self.tmp / f"server{len(self.servers)}"
        workdir.mkdir()
        server = Server(self.env, workdir, migrate)
        self.servers.append(server)
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        self.redis.stop()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cluster, Server, Server]]:
    cluster = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        first = cluster.start_server(migrate=True)
        second = cluster.start_server()
        yield cluster, first, second
    finally:
        cluster.close()


ORIGIN = "http://127.0.0.1"


async def connect(server: Server, token: str, **options):
    socket = await websockets.connect(server.ws_url(), origin=ORIGIN, **options)
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
