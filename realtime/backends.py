"""How events travel between processes: Redis pub/sub, or in process (embedded mode).

A backend delivers to the hub it was started with (any object with the ``Receiver``
shape); a publisher sends one encoded event (``realtime.envelope``) to every process.
Nothing here knows the hub's class: the hub is handed in.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

import redis
import redis.asyncio as aredis
from django.conf import settings

from realtime import aio
from realtime.envelope import CHANNEL_PREFIX, channel, encode

logger = logging.getLogger(__name__)


class Receiver(Protocol):
    """What a backend needs of the hub it feeds."""

    loop: asyncio.AbstractEventLoop

    @property
    def followed(self) -> list[str]: ...

    def dispatch(self, topic: str, data: bytes) -> None: ...

    def request_catch_up(self, topic: str) -> None: ...


# Embedded mode: the hub of this process, which publishing hands messages to.
_local_hub: Receiver | None = None


class LocalBackend:
    """Embedded mode: one process, so publishing is handing the message to the hub."""

    async def start(self, hub: Receiver) -> None:
        global _local_hub
        self.hub = _local_hub = hub

    async def subscribe(self, topic: str) -> None:
        return None

    async def wait_subscribed(self, topic: str) -> None:
        return None

    async def unsubscribe(self, topic: str) -> None:
        return None


class RedisBackend:
    """One pub/sub connection per process; reconnects and has the hub catch up."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.confirmed: dict[str, asyncio.Event] = {}
        self.pubsub: aredis.client.PubSub | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, hub: Receiver) -> None:
        self.hub = hub
        self.client = aredis.Redis.from_url(self.url, health_check_interval=10)
        self.pubsub = self.client.pubsub()
        self.task = hub.loop.create_task(self._read_forever(), name="realtime-redis-reader")

    async def subscribe(self, topic: str) -> None:
        self.confirmed.setdefault(topic, asyncio.Event())
        try:
            assert self.pubsub is not None
            await self.pubsub.subscribe(channel(topic))
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            return  # the reader resubscribes when Redis is back, then catches up
        await self.wait_subscribed(topic)

    async def wait_subscribed(self, topic: str) -> None:
        event = self.confirmed.get(topic)
        if event is None or event.is_set():
            return
        try:
            await asyncio.wait_for(event.wait(), settings.REALTIME_SUBSCRIBE_TIMEOUT_SECONDS)
        except TimeoutError:
            logger.warning("no subscribe confirmation for %s; catch-up will cover it", topic)

    async def unsubscribe(self, topic: str) -> None:
        self.confirmed.pop(topic, None)
        try:
            assert self.pubsub is not None
            await self.pubsub.unsubscribe(channel(topic))
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            pass

    async def _read_forever(self) -> None:
        backoff = 0.05
        to_catch_up: set[str] = set()
        while True:
            try:
                assert self.pubsub is not None
                if not self.pubsub.subscribed:
                    if not self.hub.followed:
                        await asyncio.sleep(0.2)
                        continue
                    # Subscribing failed or the connection was lost: subscribe afresh, and
                    # catch each topic up from the log once its subscription is confirmed.
                    topics = await self._resubscribe()
                    if topics is None:
                        await asyncio.sleep(backoff)
                        backoff = min(backoff * 2, 2.0)
                        continue
                    to_catch_up.update(topics)
                message = await self.pubsub.get_message(timeout=1.0)
                backoff = 0.05
                if message is None:
                    continue
                kind, name = message["type"], message["channel"]
                topic = name.decode()[len(CHANNEL_PREFIX) :]
                if kind == "message":
                    self.hub.dispatch(topic, message["data"])
                elif kind == "subscribe":
                    event = self.confirmed.get(topic)
                    if event is not None:
                        event.set()
                    if topic in to_catch_up:
                        to_catch_up.discard(topic)
                        self.hub.request_catch_up(topic)
            except asyncio.CancelledError:
                raise
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                logger.warning("redis pub/sub lost (%s); reconnecting", exc)
                await self._replace_connection()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
            except Exception:
                logger.exception("unexpected error in the redis reader")
                await asyncio.sleep(backoff)

    async def _replace_connection(self) -> None:
        old, self.pubsub = self.pubsub, self.client.pubsub()
        for event in self.confirmed.values():
            event.clear()
        if old is not None:
            try:
                await old.aclose()
            except Exception:  # the old connection is already broken
                logger.debug("closing the broken pub/sub connection failed", exc_info=True)

    async def _resubscribe(self) -> list[str] | None:
        """Subscribe the current connection to every followed topic; None if Redis is down."""
        topics = self.hub.followed
        for topic in topics:
            self.confirmed.setdefault(topic, asyncio.Event()).clear()
        try:
            assert self.pubsub is not None
            await self.pubsub.subscribe(*(channel(t) for t in topics))
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            await self._replace_connection()
            return None
        return topics


def make_backend() -> LocalBackend | RedisBackend:
    return RedisBackend(settings.REDIS_URL) if settings.REDIS_URL else LocalBackend()


# --- publishing, from any thread ----------------------------------------------------


class LocalPublisher:
    def publish(self, topic: str, data: bytes) -> None:
        hub = _local_hub
        if hub is not None and not hub.loop.is_closed():
            hub.loop.call_soon_threadsafe(hub.dispatch, topic, data)


PUBLISH_ATTEMPTS = 3


def _publish_failed(topic: str, attempt: int, exc: Exception) -> float | None:
    """Seconds to wait before the next attempt, or None to give up: the event is stored
    already, and followers catch up from the log (tail check, reconnect)."""
    if attempt == PUBLISH_ATTEMPTS - 1:
        logger.warning("publish to %s failed (%s); followers will catch up", topic, exc)
        return None
    return 0.05 * 4**attempt


class RedisPublisher:
    def __init__(self, url: str) -> None:
        self.url = url
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def publish(self, topic: str, data: bytes) -> None:
        for attempt in range(PUBLISH_ATTEMPTS):
            try:
                self.client.publish(channel(topic), data)
                return
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                wait = _publish_failed(topic, attempt, exc)
                if wait is None:
                    return
                time.sleep(wait)


async def apublish(topic: str, data: bytes) -> None:
    """``publisher().publish`` from the event loop, on its own Redis client."""
    if not settings.REDIS_URL:
        LocalPublisher().publish(topic, data)
        return
    for attempt in range(PUBLISH_ATTEMPTS):
        try:
            await aio.redis_client().publish(channel(topic), data)
            return
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            wait = _publish_failed(topic, attempt, exc)
            if wait is None:
                return
            await asyncio.sleep(wait)


_publisher: LocalPublisher | RedisPublisher | None = None


def publisher() -> LocalPublisher | RedisPublisher:
    global _publisher
    url = settings.REDIS_URL
    if url:
        if not isinstance(_publisher, RedisPublisher) or _publisher.url != url:
            _publisher = RedisPublisher(url)
    elif not isinstance(_publisher, LocalPublisher):
        _publisher = LocalPublisher()
    return _publisher


def publish_message(topic: str, seq: int | None, frame: str, skip_user: int | None = None) -> None:
    """Send one encoded event to every process following ``topic``. Any thread."""
    publisher().publish(topic, encode(seq, frame, skip_user))


async def apublish_message(
    topic: str, seq: int | None, frame: str, skip_user: int | None = None
) -> None:
    """``publish_message`` from the event loop, without a thread."""
    await apublish(topic, encode(seq, frame, skip_user))
