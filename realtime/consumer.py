"""The WebSocket gateway: one endpoint, ``/ws/``, one JSON protocol.

Authentication comes from the session cookie (browsers) or from a first frame
``{"type": "auth", "token": "..."}`` (apps), never from the URL. Then the socket follows
topics (``subscribe``), and sends actions that the registry routes to the owning app's
service. See docs/realtime-protocol.md for every frame and code.

Here: the socket's life (connect, sign-in, token expiry, release), reading frames and
routing actions. Following topics is ``realtime.following``; writing frames out is
``realtime.socket``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from channels.consumer import get_handler_name
from django.conf import settings
from pydantic import ValidationError

from accounts.models import User
from accounts.services import SESSION_AUTH_AT, bearer_token_lifetime, session_is_current
from core.errors import ServiceError
from core.ratelimit import limiter
from realtime import codes, sweeper
from realtime.connections import access_topic
from realtime.following import Following
from realtime.protocol import ActionEnvelope, SubscribeFrame, UnsubscribeFrame
from realtime.registry import registry
from realtime.running import get_hub
from realtime.subscriptions import Subscription
from realtime.threads import in_db_thread
from realtime.wire import find_daphne_protocol

logger = logging.getLogger(__name__)

CORE_TYPES = frozenset({"auth", "ping", "subscribe", "unsubscribe"})
# A socket signed in with a token hears this long before it expires (``auth.expiring``).
EXPIRY_WARNING_SECONDS = 60.0


def _client_id(frame: dict[str, Any]) -> str | None:
    value = frame.get("id")
    return value if isinstance(value, str) and len(value) <= 64 else None


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "invalid frame: " + "; ".join(parts)


class GatewayConsumer(Following):
    # --- connection lifecycle -------------------------------------------------------

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # However the consumer ends (even by a crash), it leaves no follower, presence
            # entry or sweep registration behind.
            await self._release()

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels would hop to its single shared thread to close stale connections before
        # every frame; our queries run in the pool and close their own (in_db_thread).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.subs: dict[str, Subscription] = {}
        self._released = False
        self._closed = False
        self._overflowed = False
        self._queue_limit = settings.WS_SEND_QUEUE_BYTES
        self._auth_timer: asyncio.TimerHandle | None = None
        self._expiry_timers: list[asyncio.TimerHandle] = []
        self._outbox: asyncio.Queue[str | int] | None = None
        self._writer: asyncio.Task[None] | None = None
        await self.accept()
        # Under daphne, frames go straight to the transport (see realtime.wire).
        self._protocol = find_daphne_protocol(self.base_send)
        if self._protocol is None:
            self._outbox = asyncio.Queue()
            self._writer = asyncio.get_running_loop().create_task(self._write_outbox())
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
        await self._release()

    async def _release(self) -> None:
        if getattr(self, "_released", True):
            return
        self._released = True
        self._closed = True
        if self._auth_timer is not None:
            self._auth_timer.cancel()
        for timer in self._expiry_timers:
            timer.cancel()
        if self._writer is not None:
            self._writer.cancel()
        if self.user is None:
            return
        sweeper.unregister(self)
        for topic in list(self.subs):
            try:
                await self._drop_subscription(topic)
            except Exception:
                logger.exception("could not release %s", topic)
        if self.hub is not None:
            await self.hub.unfollow(access_topic(self.user_id), self)

    async def _session_user(self) -> tuple[User | None, float]:
        return await in_db_thread(self._session_user_sync)()

    def _session_user_sync(self) -> tuple[User | None, float]:
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
        self._access_topic = access_topic(user.pk)
        self.credential_time = credential_time
        self.rights_seen = time.time()
        self.hub = await get_hub()
        await self.hub.follow(self._access_topic, self)
        sweeper.register(self)
        self.send_frame(
            {
                "type": "ready",
                "user": {"id": user.pk, "display_name": user.public_name(), "role": user.role},
            }
        )

    # --- frames from the client -----------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self._closed:
            return
        frame = self._parse(text_data)
        if self.user is None:
            await self._receive_auth(frame)
            return
        if frame is None:
            self.send_error("bad_frame", "frames are JSON objects with a 'type'")
            return
        kind = frame["type"]
        try:
            if kind == "ping":
                self.send_frame({"type": "pong"})
            elif kind == "subscribe":
                await self._subscribe(SubscribeFrame.model_validate(frame))
            elif kind == "unsubscribe":
                await self._unsubscribe(UnsubscribeFrame.model_validate(frame))
            elif kind == "auth":
                await self._renew_auth(frame)
            elif kind in registry.actions:
                await self._act(kind, frame)
            else:
                self.send_error("unknown_type", f"unknown frame type {kind[:48]!r}")
        except ValidationError as exc:
            self.send_error("invalid_frame", _validation_message(exc), id=_client_id(frame))
        except Exception:
            # A failure of ours (the database restarting, a bug) must not kill the socket.
            logger.exception("frame %r failed", kind[:48])
            self.send_error("internal", "that did not work; try again", id=_client_id(frame))

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
            self.send_error("auth_required", "the first frame must be an auth frame")
            await self._close(codes.AUTH_FAILED)
            return
        try:
            user, issued_at, expires_at = await in_db_thread(bearer_token_lifetime)(token)
        except ServiceError as exc:
            self.send_error(exc.code, exc.message)
            await self._close(codes.AUTH_FAILED)
            return
        # The token's issue time, not now: a revocation that lands while this socket signs
        # in still closes it.
        await self._authenticated(user, credential_time=issued_at)
        self._expire_at(expires_at)

    async def _renew_auth(self, frame: dict[str, Any]) -> None:
        """A socket signed in with a token stays signed in past that token's expiry only by
        sending a fresh one (``auth`` again, for the same user)."""
        token = frame.get("token")
        if not self._expiry_timers:
            self.send_error("already_authenticated", "this socket is signed in by its session")
            return
        if not isinstance(token, str) or not token:
            self.send_error("invalid_frame", "an auth frame carries a token")
            return
        try:
            user, issued_at, expires_at = await in_db_thread(bearer_token_lifetime)(token)
        except ServiceError as exc:
            self.send_error(exc.code, exc.message)
            return
        if user.pk != self.user_id:
            self.send_error("wrong_user", "a socket stays signed in as the same user")
            return
        self.credential_time = issued_at
        self._expire_at(expires_at)
        self.send_frame({"type": "auth.renewed", "expires_at": int(expires_at)})

    def _expire_at(self, expires_at: float) -> None:
        """Warn a minute before the token expires, and close when it does."""
        for timer in self._expiry_timers:
            timer.cancel()
        loop = asyncio.get_running_loop()
        left = max(0.0, expires_at - time.time())
        warning = {"type": "auth.expiring", "expires_at": int(expires_at)}
        self._expiry_timers = [
            loop.call_later(max(0.0, left - EXPIRY_WARNING_SECONDS), self.send_frame, warning),
            loop.call_later(left, lambda: loop.create_task(self._token_expired())),
        ]

    async def _token_expired(self) -> None:
        self.send_error("token_expired", "your access token expired; sign in again")
        await self._close(codes.TOKEN_EXPIRED)

    # --- actions ---------------------------------------------------------------------

    async def _act(self, name: str, frame: dict[str, Any]) -> None:
        action = registry.actions[name]
        envelope = ActionEnvelope.model_validate({"type": name, "id": frame.get("id")})
        client_id = envelope.id
        if action.needs_client_id and client_id is None:
            self.send_error("invalid_frame", "this action needs an 'id' (your client id)")
            return
        payload = action.schema.model_validate(
            {k: v for k, v in frame.items() if k not in ("type", "id")}
        )
        verdict = await limiter().take(action.rate_bucket, self.user_id)
        if not verdict.allowed:
            self.send_error(
                "rate_limited", "slow down", id=client_id, retry_after=verdict.retry_after
            )
            return
        assert self.user is not None
        try:
            if action.async_handler is not None:
                result = await action.async_handler(self.user, payload, client_id or "")
            else:
                assert action.handler is not None
                result = await in_db_thread(action.handler)(self.user, payload, client_id or "")
        except ServiceError as exc:
            self.send_error(exc.code, exc.message, id=client_id)
            return
        if client_id is not None:
            self.send_frame({"type": "ack", "id": client_id, **result})
