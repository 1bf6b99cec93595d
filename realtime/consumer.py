"""The WebSocket gateway: one endpoint, ``/ws/``, one JSON protocol.

Authentication comes from the session cookie (browsers) or from a first frame
``{"type": "auth", "token": "..."}`` (apps), never from the URL. Then the socket follows
topics (``subscribe``), and sends actions that the registry routes to the owning app's
service. See docs/realtime-protocol.md for every frame and code.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from pydantic import ValidationError

from accounts.models import User
from accounts.services import SESSION_AUTH_AT, bearer_token_lifetime, session_is_current
from core.errors import ServiceError
from core.ratelimit import limiter
from realtime import codes, events, presence, sweeper
from realtime.connections import RIGHTS_CHECK, access_topic
from realtime.hub import RECHECK_FOLLOWERS, Hub, get_hub, in_db_thread, in_thread
from realtime.protocol import (
    ActionEnvelope,
    SubscribeFrame,
    UnsubscribeFrame,
    dumps,
    error_frame,
    event_frame,
)
from realtime.registry import TopicKind, registry
from realtime.subscriptions import Subscription, deliver, drain
from realtime.wire import find_daphne_protocol, is_open, pending_bytes, send_to, text_frame

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


class GatewayConsumer(AsyncWebsocketConsumer):
    # No channel layer per socket: the hub carries everything addressed to sockets (see
    # realtime.connections), so a Redis restart does not take every socket down with it,
    # and an idle socket costs no receive task. docs/adr/0005.
    channel_layer_alias = "(none: the hub addresses sockets)"
    user: User | None = None
    user_id: int = 0
    _access_topic = ""  # access_topic(user_id), once signed in: compared on every delivery
    credential_time: float = 0.0
    rights_seen: float = 0.0  # when self.user was loaded: the sweep compares rights stamps
    _refreshing = False
    _refresh_again = False
    hub: Hub | None = None

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

    async def _close(self, code: int) -> None:
        if self._closed:
            return
        self._closed = True
        if self._outbox is not None:
            self._outbox.put_nowait(code)  # after the frames already queued
        else:
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

    # --- following topics ------------------------------------------------------------

    async def _subscribe(self, frame: SubscribeFrame) -> None:
        topic = frame.topic
        resolved = registry.resolve(topic)
        if resolved is None:
            self.send_error("unknown_topic", f"no such topic {topic!r}", topic=topic)
            return
        kind, key = resolved
        assert self.user is not None and self.hub is not None
        if not await in_db_thread(kind.can_follow)(self.user, key):
            self.send_error("forbidden", "you may not follow this topic", topic=topic)
            return
        if topic in self.subs:
            await self._drop_subscription(topic)
        elif len(self.subs) >= settings.WS_MAX_SUBSCRIPTIONS:
            self.send_error("too_many_topics", "unsubscribe from a topic first", topic=topic)
            return
        sub = self.subs[topic] = Subscription(durable=kind.durable, presence=kind.presence)
        await self.hub.follow(topic, self)  # live events now wait in sub.pending
        if kind.durable:
            await self._replay(topic, sub, frame.since)
        sub.replaying = False
        if sub.durable and sub.pending and drain(sub, self._write):
            self.hub.request_catch_up(topic)
        if self.subs.get(topic) is not sub:
            return  # dropped meanwhile (a re-check, an unsubscribe): no joining side effects
        reply: dict[str, Any] = {"type": "subscribed", "topic": topic, "seq": sub.seq}
        if kind.presence:
            await self._show_presence(topic, kind, key, sub)
            reply["online"] = sorted(await in_thread(presence.online)(topic))  # {} if Redis is down
        elif kind.presence_count:
            await self.hub.presence_join(topic, self.user_id)
            self.hub.count_soon(topic)
        if kind.on_join is not None:
            await in_db_thread(kind.on_join)(self.user, key)
        self.send_frame(reply)

    async def _replay(self, topic: str, sub: Subscription, since: int | None) -> None:
        if since is None:
            sub.seq = await in_db_thread(events.latest_seq)(topic)
            return
        cursor = since
        resolved = registry.resolve(topic)
        present = resolved[0].on_replay if resolved is not None else None
        while True:
            rows = await in_db_thread(events.read_page)(topic, cursor, present)
            if rows is None:
                latest = await in_db_thread(events.latest_seq)(topic)
                self.send_frame({"type": "resync", "topic": topic, "seq": latest})
                sub.seq = latest
                return
            for row in rows:
                if not await self._writable():
                    return
                self._write(event_frame(topic, row.seq, row.type, row.data), None)
                cursor = row.seq
            if len(rows) < events.PAGE:
                sub.seq = cursor
                return

    async def _show_presence(
        self, topic: str, kind: TopicKind, key: str, sub: Subscription
    ) -> None:
        """Count this socket in the topic's presence if the user shows it there, or stop
        counting it if they no longer do."""
        assert self.user is not None and self.hub is not None
        shown = kind.shows_presence is None or await in_db_thread(kind.shows_presence)(
            self.user, key
        )
        if shown and not sub.announced:
            sub.announced = True
            if await self.hub.presence_join(topic, self.user_id):
                await self._announce_presence(topic, online=True)
        elif not shown and sub.announced:
            sub.announced = False
            if await self.hub.presence_leave(topic, self.user_id):
                await self._announce_presence(topic, online=False)

    async def _unsubscribe(self, frame: UnsubscribeFrame) -> None:
        if frame.topic in self.subs:
            await self._drop_subscription(frame.topic)
        self.send_frame({"type": "unsubscribed", "topic": frame.topic})

    async def _recheck(self, topic: str) -> None:
        """Who may follow this topic changed (a forum topic hidden, say): leave it if this
        user may no longer follow it."""
        resolved = registry.resolve(topic)
        if resolved is None or topic not in self.subs or self.user is None:
            return
        kind, key = resolved
        if await in_db_thread(kind.can_follow)(self.user, key):
            sub = self.subs.get(topic)
            if sub is not None and kind.presence:
                await self._show_presence(topic, kind, key, sub)
            return
        if topic not in self.subs:
            return  # dropped meanwhile (another re-check, an unsubscribe): said once
        await self._drop_subscription(topic)
        self.send_error("forbidden", "you may no longer follow this topic", topic=topic)

    async def _drop_subscription(self, topic: str) -> None:
        sub = self.subs.pop(topic, None)
        if sub is None or self.hub is None:
            return
        await self.hub.unfollow(topic, self)
        if sub.announced and await self.hub.presence_leave(topic, self.user_id):
            await self._announce_presence(topic, online=False)
        resolved = registry.resolve(topic)
        if resolved is None or self.user is None:
            return
        kind, key = resolved
        if kind.presence_count:
            await self.hub.presence_leave(topic, self.user_id)
            self.hub.count_soon(topic)
        if kind.on_leave is not None:
            try:
                await in_db_thread(kind.on_leave)(self.user, key)
            except Exception:  # leaving must not fail; the record is best effort
                logger.warning("on_leave of %s failed", topic, exc_info=True)

    async def _announce_presence(self, topic: str, online: bool) -> None:
        from realtime.publish import publish

        data = {"user_id": self.user_id, "online": online}
        try:
            await in_db_thread(publish)(topic, "presence.changed", data, echo_to=self.user_id)
        except Exception:  # presence is best effort; the socket must not fail for it
            logger.warning("could not announce presence on %s", topic, exc_info=True)

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

    # --- frames to the client -------------------------------------------------------

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

    # --- called by the hub ------------------------------------------------------------

    def deliver(self, topic: str, seq: int | None, frame: str, wire: bytes) -> None:
        if topic == self._access_topic:
            check = self.refresh_rights if frame == RIGHTS_CHECK else self.access_check
            asyncio.get_running_loop().create_task(check())
            return
        if seq is None and frame == RECHECK_FOLLOWERS:
            asyncio.get_running_loop().create_task(self._recheck(topic))
            return
        sub = self.subs.get(topic)
        if sub is not None and deliver(sub, seq, frame, wire, self._write) and self.hub:
            self.hub.request_catch_up(topic)

    def cursor(self, topic: str) -> int | None:
        sub = self.subs.get(topic)
        return None if sub is None or sub.replaying else sub.seq

    def resubscribed(self, topic: str) -> None:
        """The log no longer reaches back to this socket's cursor: tell it to resync."""
        sub = self.subs.get(topic)
        if sub is not None:
            asyncio.get_running_loop().create_task(self._resync(topic, sub))

    async def _resync(self, topic: str, sub: Subscription) -> None:
        latest = await in_db_thread(events.latest_seq)(topic)
        sub.seq, sub.pending = latest, {}
        self.send_frame({"type": "resync", "topic": topic, "seq": latest})

    # --- revocation -------------------------------------------------------------------

    async def access_check(self) -> None:
        """Asked on logout, password change and deactivation: close if access ended."""
        states = await in_db_thread(sweeper.access_states)([self.user_id])
        if sweeper.access_ended(states.get(self.user_id), self.credential_time):
            await self.close_for_revoked_access()

    async def refresh_rights(self) -> None:
        """Asked when this user's rights narrowed (a role lowered, a region, block or care
        team changed): from now on act with the account as it is, and leave every topic
        it may no longer follow, as HTTP and a new socket would refuse it."""
        if self.user is None or self._closed:
            return
        if self._refreshing:  # one at a time; a change that lands meanwhile runs it again
            self._refresh_again = True
            return
        self._refreshing = True
        try:
            while True:
                self._refresh_again = False
                user = await in_db_thread(sweeper.reload_user)(self.user_id)
                state = sweeper.access_state(user) if user is not None else None
                if user is None or sweeper.access_ended(state, self.credential_time):
                    await self.close_for_revoked_access()
                    return
                self.user = user
                self.rights_seen = time.time()
                for topic in list(self.subs):
                    await self._recheck(topic)
                if not self._refresh_again:
                    return
        finally:
            self._refreshing = False

    async def close_for_revoked_access(self) -> None:
        sweeper.unregister(self)
        self.send_error("access_revoked", "your session ended; sign in again")
        await self._close(codes.ACCESS_REVOKED)
