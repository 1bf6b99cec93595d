"""Who of a topic's followers is online.

Redis keeps one sorted set per topic: member ``user:process``, score the time the entry
expires. Each process adds and removes only its own entries and refreshes them every
third of the TTL, so a user with sockets on two processes stays online until both are
gone, and when a process is killed its entries expire within ``PRESENCE_TTL_SECONDS``:
no ghosts. Embedded mode keeps the same structure in memory.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

import redis
from django.conf import settings

from realtime import aio

KEY = "edt:presence:"
# This process's part of each member: a user online through several processes has several.
PROCESS = uuid.uuid4().hex[:12]
logger = logging.getLogger(__name__)


class LocalPresence:
    def __init__(self) -> None:
        self.entries: dict[str, dict[str, float]] = {}
        self.lock = threading.Lock()

    def refresh(self, pairs: list[tuple[str, int]]) -> None:
        expires = time.time() + settings.PRESENCE_TTL_SECONDS
        with self.lock:
            for topic, user_id in pairs:
                self.entries.setdefault(topic, {})[f"{user_id}:{PROCESS}"] = expires

    def leave(self, topic: str, user_id: int) -> None:
        with self.lock:
            self.entries.get(topic, {}).pop(f"{user_id}:{PROCESS}", None)

    def online(self, topic: str) -> set[int]:
        now = time.time()
        with self.lock:
            members = [m for m, exp in self.entries.get(topic, {}).items() if exp > now]
        return {int(m.split(":", 1)[0]) for m in members}


class RedisPresence:
    def __init__(self, url: str) -> None:
        self.url = url
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def refresh(self, pairs: list[tuple[str, int]]) -> None:
        if not pairs:
            return
        expires = time.time() + settings.PRESENCE_TTL_SECONDS
        pipe = self.client.pipeline(transaction=False)
        for topic, user_id in pairs:
            pipe.zadd(KEY + topic, {f"{user_id}:{PROCESS}": expires})
            pipe.expire(KEY + topic, settings.PRESENCE_TTL_SECONDS * 2)
        pipe.execute()

    def leave(self, topic: str, user_id: int) -> None:
        self.client.zrem(KEY + topic, f"{user_id}:{PROCESS}")

    def online(self, topic: str) -> set[int]:
        members: list[bytes] = self.client.zrangebyscore(KEY + topic, time.time(), "+inf")  # type: ignore[assignment]
        return _users(members)


def _users(members: list[bytes]) -> set[int]:
    return {int(m.split(b":", 1)[0]) for m in members}


_store: LocalPresence | RedisPresence | None = None


def store() -> LocalPresence | RedisPresence:
    global _store
    url = settings.REDIS_URL
    if url and not (isinstance(_store, RedisPresence) and _store.url == url):
        _store = RedisPresence(url)
    elif not url and not isinstance(_store, LocalPresence):
        _store = LocalPresence()
    assert _store is not None
    return _store


def refresh(pairs: list[tuple[str, int]]) -> None:
    """Mark (topic, user) pairs online for another TTL. Best effort: presence is a hint,
    and a Redis outage must not fail the socket asking."""
    try:
        store().refresh(pairs)
    except redis.RedisError as exc:
        logger.warning("presence refresh failed: %s", exc)


def leave(topic: str, user_id: int) -> None:
    try:
        store().leave(topic, user_id)
    except redis.RedisError as exc:
        logger.warning("presence leave failed: %s", exc)


def online(topic: str) -> set[int]:
    """Users with a socket following ``topic`` now, on any process."""
    try:
        return store().online(topic)
    except redis.RedisError:
        return set()


def online_many(topics: list[str]) -> dict[str, set[int]]:
    """``online`` for several topics, in one round trip to Redis."""
    found: dict[str, set[int]] = {t: set() for t in topics}
    current = store()
    try:
        if isinstance(current, RedisPresence):
            pipe = current.client.pipeline(transaction=False)
            now = time.time()
            for topic in topics:
                pipe.zrangebyscore(KEY + topic, now, "+inf")
            for topic, members in zip(topics, pipe.execute(), strict=True):
                found[topic] = _users(members)
        else:
            found = {t: current.online(t) for t in topics}
    except redis.RedisError:
        pass
    return found


async def aonline(topic: str) -> set[int]:
    """``online`` from the event loop."""
    return (await aonline_many([topic]))[topic]


async def aonline_many(topics: list[str]) -> dict[str, set[int]]:
    """``online_many`` from the event loop, on its own Redis client."""
    current = store()
    if not isinstance(current, RedisPresence):
        return {t: current.online(t) for t in topics}
    found: dict[str, set[int]] = {t: set() for t in topics}
    if not topics:
        return found
    try:
        pipe = aio.redis_client().pipeline(transaction=False)
        now = time.time()
        for topic in topics:
            pipe.zrangebyscore(KEY + topic, now, "+inf")
        for topic, members in zip(topics, await pipe.execute(), strict=True):
            found[topic] = _users(members)
    except redis.RedisError:
        pass
    return found


def is_online(topic: str, user_id: int) -> bool:
    return user_id in online(topic)
