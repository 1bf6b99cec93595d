"""One gateway socket's state and its way out: frames are written straight to daphne's
transport (``realtime.wire``) against a bounded queue, or through an outbox elsewhere.
``realtime.following`` and ``realtime.consumer`` build on it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.models import User
from realtime import codes
from realtime.hub import Hub
from realtime.protocol import dumps, error_frame
from realtime.subscriptions import Subscription
from realtime.wire import is_open, pending_bytes, send_to, text_frame


class Socket(AsyncWebsocketConsumer):
    # No channel layer per socket: the hub carries everything addressed to sockets (see
    # realtime.connections), so a Redis restart does not take every socket down with it,
    # and an idle socket costs no receive task. docs/adr/0005.
    channel_layer_alias = "(none: the hub addresses sockets)"
    user: User | None = None
    user_id: int = 0
    _access_topic = ""  # access_topic(user_id), once signed in: compared on every delivery
    credential_time: float = 0.0
    rights_seen: float = 0.0  # when self.user was loaded: the sweep compares rights stamps
    hub: Hub | None = None
    # Set when the socket connects (``GatewayConsumer.connect``).
    subs: dict[str, Subscription]
    _closed: bool
    _overflowed: bool
    _queue_limit: int
    _protocol: Any  # daphne's protocol object, or None outside daphne
    _outbox: asyncio.Queue[str | int] | None

    async def _close(self, code: int) -> None:
        if self._closed:
            return
        self._closed = True
        if self._outbox is not None:
            self._outbox.put_nowait(code)  # after the frames already queued
        else:
            await self.close(code=code)

    def send_frame(self, frame: dict[str, Any]) -> None:
        self._write(dumps(frame), None)

    def send_error(self, code: str, message: str, **extra: Any) -> None:
        self._write(error_frame(code, message, **extra), None)

    def _write(self, frame: str, wire: bytes | None) -> None:
        if self._closed or self._overflowed:
            return
        protocol = self._protocol
        if protocol is None:
            assert self._outbox is not None
            self._outbox.put_nowait(frame)
            return
        data = wire if wire is not None else text_frame(frame.encode())
        if not send_to(protocol, data, self._queue_limit):
            self._overflowed = True
            asyncio.get_running_loop().create_task(self._close(codes.TOO_FAR_BEHIND))

    async def _writable(self) -> bool:
        """Wait while the socket's queue is over half full: a long replay goes at the
        reader's pace instead of tripping the bound. False if it never drains."""
        protocol = self._protocol
        if protocol is None:
            return not self._closed
        limit = settings.WS_SEND_QUEUE_BYTES // 2
        deadline = time.monotonic() + settings.WS_DRAIN_TIMEOUT_SECONDS
        while pending_bytes(protocol.transport) > limit:
            if self._closed or not is_open(protocol):
                return False
            if time.monotonic() > deadline:
                self._overflowed = True
                await self._close(codes.TOO_FAR_BEHIND)
                return False
            await asyncio.sleep(0.005)
        return not self._closed

    async def _write_outbox(self) -> None:
        """Outside daphne: hand frames to the ASGI server in order, then the close."""
        assert self._outbox is not None
        while True:
            item = await self._outbox.get()
            if isinstance(item, int):
                await self.close(code=item)
                return
            await self.send(text_data=item)
