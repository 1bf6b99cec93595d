"""Who of a topic's followers is online.

Redis keeps one sorted set per topic: member the user id, score the time the entry
expires. Each process refreshes the entries of its own sockets every third of the TTL,
so when a process is killed its users drop out within ``PRESENCE_TTL_SECONDS``: no
ghosts. Embedded mode keeps the same structure in memory.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.conf import settings

KEY = "edt:presence:"
logger = logging.getLogger(__name__)


class LocalPresence:
    def __init__(self) -> None:
        self.entries: dict[str, dict[int, float]] = {}
        self.lock = threading.Lock()

    def refresh(self, pairs: list[tuple[str, int]]) -> None:
        expires = time.time() + settings.PRESENCE_TTL_SECONDS
        with self.lock:
            for topic, user_id in pairs:
                self.entries.setdefault(topic, {})[user_id] = expires

    def leave(self, topic: str, user_id: int) -> None:
        with self.lock:
            self.entries.get(topic, {}).pop(user_id, None)

    def online(self, topic: str) -> set[int]:
        now = time.time()
        with self.lock:
            return {u for u, exp in self.entries.get(topic, {}).items() if exp > now}


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
            pipe.zadd(KEY + topic, {str(user_id): expires})
            pipe.expire(KEY + topic, settings.PRESENCE_TTL_SECONDS * 2)
        pipe.execute()

    def leave(self, topic: str, user_id: int) -> None:
        self.client.zrem(KEY + topic, str(user_id))

    def online(self, topic: str) -> set[int]:
        members = self.client.zrangebyscore(KEY + topic, time.time(), "+inf")
        return {int(m) for m in members}  # type: ignore[arg-type]


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


def is_online(topic: str, user_id: int) -> bool:
    return user_id in online(topic)
