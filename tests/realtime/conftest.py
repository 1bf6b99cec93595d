from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.models import User
from server.asgi import application
from tests.conftest import PASSWORD

ORIGIN = (b"origin", b"http://localhost:8000")


_opened: list[WebsocketCommunicator] = []


def communicator(path: str = "/ws/", headers: list[tuple[bytes, bytes]] | None = None):
    comm = WebsocketCommunicator(
        application, path, headers=[ORIGIN] if headers is None else headers
    )
    _opened.append(comm)
    return comm


@pytest.fixture(autouse=True)
async def disconnect_every_socket(transactional_db):
    """Like a server, tell the app each socket is gone, whatever the test did; before the
    test database goes away, since disconnecting still writes (presence, unfollow)."""
    yield
    while _opened:
        comm = _opened.pop()
        try:
            await comm.disconnect(timeout=5)
        except (Exception, asyncio.CancelledError):  # closed by the app, or never connected
            pass


async def receive_json(comm: WebsocketCommunicator, timeout: float = 2) -> dict[str, Any]:
    message = await comm.receive_output(timeout)
    assert message["type"] == "websocket.send", message
    return json.loads(message["text"])


async def expect_close(comm: WebsocketCommunicator, code: int, timeout: float = 3) -> list[dict]:
    """Read frames until the socket closes; assert the close code; return the frames."""
    frames = []
    while True:
        message = await comm.receive_output(timeout)
        if message["type"] == "websocket.close":
            assert message.get("code") == code, (message, frames)
            return frames
        frames.append(json.loads(message["text"]))


def session_cookie(user: User) -> tuple[bytes, bytes]:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())
