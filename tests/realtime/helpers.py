"""Plain helpers for the socket tests: a socket to the app, signing in on it, following
a topic and reading its frames. The fixture that closes every socket is in conftest.py."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.models import User
from server.asgi import application
from tests.helpers import PASSWORD, bearer

ORIGIN = (b"origin", b"http://localhost:8000")
HOST = (b"host", b"localhost:8000")


_opened: list[WebsocketCommunicator] = []  # every socket ``communicator`` made


def communicator(path: str = "/ws/", headers: list[tuple[bytes, bytes]] | None = None):
    """A socket to the app. Like every client, it names the host it connects to."""
    headers = [ORIGIN] if headers is None else headers
    if not any(name == b"host" for name, _ in headers):
        headers = [HOST, *headers]
    comm = WebsocketCommunicator(application, path, headers=headers)
    _opened.append(comm)
    return comm


async def disconnect_all() -> None:
    """Tell the app each socket ``communicator`` made is gone, as a server would."""
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


def token_for(user) -> str:
    return bearer(user)["HTTP_AUTHORIZATION"].removeprefix("Bearer ")


async def signed_in(user):
    comm = communicator()
    assert (await comm.connect())[0]
    await comm.send_json_to(
        {"type": "auth", "token": await database_sync_to_async(token_for)(user)}
    )
    assert (await receive_json(comm))["type"] == "ready"
    return comm


async def subscribe(comm, topic: str, since: int | None = None) -> tuple[list[dict], dict]:
    """Subscribe; return the replayed frames and the ``subscribed`` reply."""
    frame = {"type": "subscribe", "topic": topic}
    if since is not None:
        frame["since"] = since
    await comm.send_json_to(frame)
    replayed = []
    while True:
        reply = await receive_json(comm)
        if reply["type"] == "subscribed":
            return replayed, reply
        replayed.append(reply)


async def next_of_type(comm, kind: str, event: str | None = None, limit: int = 20) -> dict:
    for _ in range(limit):
        frame = await receive_json(comm)
        if frame["type"] == kind and (event is None or frame.get("event") == event):
            return frame
    raise AssertionError(f"no {kind} {event} frame")


@database_sync_to_async
def rename(user: User, display_name: str) -> None:
    """The member changes the name others see (as the profile page or the admin would)."""
    user.display_name = display_name
    user.save()
