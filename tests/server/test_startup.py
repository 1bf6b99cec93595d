"""What a new user meets: the server starts with one command; unsafe production refuses."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from tests.live import ROOT, clean_env, free_port


class EmbeddedServer:
    def __init__(
        self, port: int, data_dir: Path, process: subprocess.Popen[str], ready_after: float
    ):
        self.port = port
        self.data_dir = data_dir
        self.process = process
        self.ready_after = ready_after
        self.url = f"http://127.0.0.1:{port}"

    def demo_password(self, email: str) -> str:
        for line in (self.data_dir / "demo-accounts.txt").read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] == email:
                return parts[2]
        raise AssertionError(f"{email} is not among the demo accounts")

    def post_json(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """``scripts/serve`` (what ``make run`` calls) on a fresh data directory."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("embedded") / "data"
    env = clean_env(DATA_DIR=str(data_dir), PORT=str(port))
    started = time.monotonic()
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "serve")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready_after = None
    while time.monotonic() - started < 60 and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                ready_after = time.monotonic() - started
                break
        except OSError:
            time.sleep(0.25)
    server = EmbeddedServer(port, data_dir, process, ready_after or float("inf"))
    yield server
    process.terminate()
    process.communicate(timeout=20)


def test_serve_answers_healthz_within_a_minute_in_embedded_mode(embedded_server):
    assert embedded_server.ready_after < 60, "no answer on /healthz within a minute"
    with urllib.request.urlopen(embedded_server.url + "/healthz", timeout=5) as r:
        assert json.loads(r.read())["mode"] == "embedded"
    with urllib.request.urlopen(embedded_server.url + "/readyz", timeout=5) as r:
        assert r.status == 200
    assert (embedded_server.data_dir / "db.sqlite3").exists()


def test_demo_accounts_sign_in_with_the_printed_passwords(embedded_server):
    email = "dietitian@demo.edietitian.local"
    tokens = embedded_server.post_json(
        "/api/auth/token", {"email": email, "password": embedded_server.demo_password(email)}
    )
    request = urllib.request.Request(
        embedded_server.url + "/api/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    with urllib.request.urlopen(request, timeout=5) as r:
        assert json.loads(r.read())["role"] == "dietitian"


def ws_url(server: EmbeddedServer) -> str:
    return f"ws://127.0.0.1:{server.port}/ws/"


async def test_real_daphne_socket_signs_in_with_a_token_frame(embedded_server):
    email = "casey@demo.edietitian.local"
    tokens = embedded_server.post_json(
        "/api/auth/token", {"email": email, "password": embedded_server.demo_password(email)}
    )
    origin = f"http://127.0.0.1:{embedded_server.port}"
    async with websockets.connect(ws_url(embedded_server), origin=origin) as socket:
        await socket.send(json.dumps({"type": "auth", "token": tokens["access_token"]}))
        ready = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert ready["type"] == "ready"
        assert ready["user"]["display_name"] == "Casey Customer"


async def test_embedded_mode_delivers_messages_live_between_two_sockets(embedded_server):
    """No Redis here: the in-process hub carries the event."""
    people = {}
    for email in ("casey@demo.edietitian.local", "robin@demo.edietitian.local"):
        tokens = embedded_server.post_json(
            "/api/auth/token", {"email": email, "password": embedded_server.demo_password(email)}
        )
        people[email] = tokens["access_token"]
    casey, robin = people.values()
    request = urllib.request.Request(
        embedded_server.url + "/api/me", headers={"Authorization": f"Bearer {robin}"}
    )
    with urllib.request.urlopen(request, timeout=5) as r:
        robin_id = json.loads(r.read())["id"]
    request = urllib.request.Request(
        embedded_server.url + "/api/conversations",
        data=json.dumps({"members": [robin_id]}).encode(),
        headers={"Authorization": f"Bearer {casey}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as r:
        conversation = json.loads(r.read())["id"]
    origin = f"http://127.0.0.1:{embedded_server.port}"
    async with (
        websockets.connect(ws_url(embedded_server), origin=origin) as sender,
        websockets.connect(ws_url(embedded_server), origin=origin) as receiver,
    ):
        for socket, token in ((sender, casey), (receiver, robin)):
            await socket.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "ready"
        await receiver.send(json.dumps({"type": "subscribe", "topic": f"dm:{conversation}"}))
        while json.loads(await asyncio.wait_for(receiver.recv(), 5))["type"] != "subscribed":
            pass
        frame = {"type": "dm.send", "id": "e1", "conversation": conversation, "body": "in process"}
        await sender.send(json.dumps(frame))
        while True:
            event = json.loads(await asyncio.wait_for(receiver.recv(), 5))
            if event.get("event") == "message.created":
                break
        assert event["data"]["html"] == "<p>in process</p>"


async def test_real_daphne_refuses_a_foreign_origin(embedded_server):
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(ws_url(embedded_server), origin="https://evil.example.com"):
            pass
    assert refused.value.response.status_code == 403


async def test_real_daphne_closes_on_a_frame_over_64_kib_with_1009(embedded_server):
    email = "robin@demo.edietitian.local"
    tokens = embedded_server.post_json(
        "/api/auth/token", {"email": email, "password": embedded_server.demo_password(email)}
    )
    origin = f"http://127.0.0.1:{embedded_server.port}"
    async with websockets.connect(ws_url(embedded_server), origin=origin, max_size=None) as socket:
        await socket.send(json.dumps({"type": "auth", "token": tokens["access_token"]}))
        await asyncio.wait_for(socket.recv(), 5)
        await socket.send(json.dumps({"type": "ping", "pad": "x" * 70_000}))
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(socket.recv(), 5)
        assert socket.close_code == 1009


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    code = "import django; django.setup(); print('loaded')"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(DJANGO_SETTINGS_MODULE="server.settings", **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


SAFE = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "a-long-private-production-secret-0123456789",
    "ALLOWED_HOSTS": "community.example.org",
    "DEBUG": "0",
}


def test_production_mode_starts_with_safe_settings():
    result = load_settings(**SAFE)
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"DEBUG": "1"}, "DEBUG must be off"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "sqlite:///x.db", "SERVER_MODE": "production"}, "DATABASE_URL"),
    ],
)
def test_production_mode_refuses_unsafe_settings(override, complaint):
    env = {**SAFE, **override}
    if "SECRET_KEY" in override and not override["SECRET_KEY"]:
        env.pop("SECRET_KEY")
    result = load_settings(**env)
    assert result.returncode != 0
    assert "Refusing to start in production mode" in result.stderr
    assert complaint in result.stderr


def test_naming_only_the_database_still_means_production_and_its_checks():
    result = load_settings(DATABASE_URL=SAFE["DATABASE_URL"])
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "REDIS_URL must point at Redis" in result.stderr


def test_embedded_mode_makes_its_own_secret_key_once(tmp_path):
    code = (
        "import django; django.setup(); "
        "from django.conf import settings; print(settings.SECRET_KEY)"
    )

    def key() -> str:
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=clean_env(DJANGO_SETTINGS_MODULE="server.settings", DATA_DIR=str(tmp_path)),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()

    first = key()
    assert first == key()
    assert len(first) >= 32
    assert "insecure" not in first
