"""The WebSocket gateway: one endpoint, ``/ws/``, one JSON protocol.

Authentication comes from the session cookie (browsers) or from a first frame
``{"type": "auth", "token": "..."}`` (apps), never from the URL. A socket that has not
authenticated within ``WS_AUTH_TIMEOUT_SECONDS`` is closed. See docs/realtime-protocol.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.errors import ServiceError
from accounts.models import User
from accounts.services import SESSION_AUTH_AT, authenticate_bearer_token, session_is_current
from realtime import codes, sweeper
from realtime.connections import user_group

logger = logging.getLogger(__name__)


class GatewayConsumer(AsyncWebsocketConsumer):
    user: User | None = None
    user_id: int = 0
    credential_time: float = 0.0
    _auth_timer: asyncio.TimerHandle | None = None
    _closed: bool = False

    # --- connection lifecycle -------------------------------------------------------

    async def connect(self) -> None:
        await self.accept()
        user, auth_at = await self._session_user()
        if user is not None:
            await self._authenticated(user, credential_time=auth_at)
            return
        loop = asyncio.get_running_loop()
        self._auth_timer = loop.call_later(
            settings.WS_AUTH_TIMEOUT_SECONDS,
            lambda: loop.create_task(self._close(codes.AUTH_TIMEOUT)),
        )

    async def disconnect(self, code: int) -> None:
        self._closed = True
        if self._auth_timer is not None:
            self._auth_timer.cancel()
        if self.user is not None:
            sweeper.unregister(self)
            await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)

    @database_sync_to_async
    def _session_user(self) -> tuple[User | None, float]:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None, 0.0
        session = self.scope.get("session")
        auth_at = session.get(SESSION_AUTH_AT) if session is not None else None
        if not session_is_current(auth_at, user):
            return None, 0.0
        return user, float(auth_at or time.time())

    async def _authenticated(self, user: User, credential_time: float) -> None:
        if self._auth_timer is not None:
            self._auth_timer.cancel()
            self._auth_timer = None
        self.user = user
        self.user_id = user.pk
        self.credential_time = credential_time
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        sweeper.register(self)
        await self.send_frame(
            {
                "type": "ready",
                "user": {"id": user.pk, "display_name": user.public_name(), "role": user.role},
            }
        )

    async def _close(self, code: int) -> None:
        if not self._closed:
            self._closed = True
            await self.close(code=code)

    # --- frames from the client -----------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self._closed:
            return
        frame = self._parse(text_data)
        if self.user is None:
            await self._receive_auth(frame)
            return
        if frame is None:
            await self.send_error("bad_frame", "frames are JSON objects with a 'type'")
            return
        kind = frame.get("type")
        if kind == "ping":
            await self.send_frame({"type": "pong"})
        elif kind == "auth":
            await self.send_error("already_authenticated", "this socket is already signed in")
        else:
            await self.send_error("unknown_type", f"unknown frame type {kind!r}")

    @staticmethod
    def _parse(text_data: str | None) -> dict[str, Any] | None:
        if text_data is None:
            return None
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
            return None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return None
        return frame

    async def _receive_auth(self, frame: dict[str, Any] | None) -> None:
        token = frame.get("token") if frame is not None and frame["type"] == "auth" else None
        if not isinstance(token, str) or not token:
            await self.send_error("auth_required", "the first frame must be an auth frame")
            await self._close(codes.AUTH_FAILED)
            return
        try:
            user, issued_at = await database_sync_to_async(authenticate_bearer_token)(token)
        except ServiceError as exc:
            await self.send_error(exc.code, exc.message)
            await self._close(codes.AUTH_FAILED)
            return
        # The token's issue time, not now: a revocation that lands while this socket signs
        # in still closes it.
        await self._authenticated(user, credential_time=issued_at)

    # --- frames to the client -------------------------------------------------------

    async def send_frame(self, frame: dict[str, Any]) -> None:
        if not self._closed:
            await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def send_error(self, code: str, message: str) -> None:
        await self.send_frame({"type": "error", "code": code, "message": message})

    # --- channel layer messages -----------------------------------------------------

    async def access_check(self, message: dict[str, Any]) -> None:
        """Sent on logout, password change and deactivation: close if access ended."""
        states = await database_sync_to_async(sweeper.access_states)([self.user_id])
        if sweeper.access_ended(states.get(self.user_id), self.credential_time):
            await self.close_for_revoked_access()

    async def close_for_revoked_access(self) -> None:
        sweeper.unregister(self)
        await self.send_error("access_revoked", "your session ended; sign in again")
        await self._close(codes.ACCESS_REVOKED)
