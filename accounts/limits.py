"""Counted limits: at most ``limit`` counted attempts in ``seconds`` from the first.

The counts live in the Django cache, which is Redis (shared by every process) in
production and the process itself in embedded mode. They serve sign-in failures and
account mail, and a few per-member limits (``charge``); per-action token buckets of
signed-in users are ``core.ratelimit``'s.
An outage of the cache lets attempts through (logged): it must not stop every sign-in.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

import redis
from django.core.cache import cache

from accounts.models import User
from core.errors import RateLimited

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    name: str
    limit: int
    seconds: int


def hashed(text: str) -> str:
    """A cache key part for a value that must not sit in the cache as itself (addresses)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def account_key(user: User) -> str:
    """An account in limits and facts: its id and when it was made, so nothing counted
    carries over to another account that got the same id."""
    return f"{user.pk}:{user.date_joined.timestamp():.6f}"


def _key(window: Window, subject: str) -> str:
    return f"limit:{window.name}:{subject}"


def retry_after(window: Window, subject: str) -> float | None:
    """Seconds to wait if ``subject`` has used up ``window``, else None."""
    key = _key(window, subject)
    try:
        found = cache.get_many([key, f"{key}:at"])
    except (redis.RedisError, OSError) as exc:
        logger.warning("limit counters unavailable (%s); allowing", exc)
        return None
    if found.get(key, 0) < window.limit:
        return None
    started = float(found.get(f"{key}:at", time.time()))
    return float(max(1, math.ceil(started + window.seconds - time.time())))


def count(window: Window, subject: str) -> int:
    """Count one attempt of ``subject``; the count so far in its window, which starts at
    its first counted attempt and lasts ``window.seconds``."""
    key = _key(window, subject)
    try:
        if cache.add(key, 0, timeout=window.seconds):
            cache.set(f"{key}:at", time.time(), timeout=window.seconds)
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=window.seconds)
        cache.set(f"{key}:at", time.time(), timeout=window.seconds)
        return 1
    except (redis.RedisError, OSError) as exc:
        logger.warning("limit counters unavailable (%s); not counted", exc)
        return 0


def take(window: Window, subject: str) -> float | None:
    """Count an attempt if there is room: None when taken, else the seconds to wait."""
    wait = retry_after(window, subject)
    if wait is not None:
        return wait
    if count(window, subject) > window.limit:  # another process took the last one
        return retry_after(window, subject) or 1.0
    return None


def charge(user: User, name: str, limit: int, seconds: int) -> None:
    """Count one ``name`` (an action) of ``user``: RateLimited (429) past ``limit`` in
    ``seconds`` (per-member limits on things that tell about others: contact searches,
    new conversations)."""
    wait = take(Window(name, limit, seconds), account_key(user))
    if wait is not None:
        raise RateLimited(wait, f"too many attempts; try again in {wait:.0f} s")


def forget(window: Window, subject: str) -> None:
    """Start ``subject`` afresh (an operator's unblock)."""
    key = _key(window, subject)
    try:
        cache.delete_many([key, f"{key}:at"])
    except (redis.RedisError, OSError) as exc:
        logger.warning("limit counters unavailable (%s)", exc)


def remember(name: str, subject: str, value: str, seconds: int) -> None:
    """Keep a small fact about ``subject`` for ``seconds`` (best effort)."""
    try:
        cache.set(f"fact:{name}:{subject}", value, timeout=seconds)
    except (redis.RedisError, OSError) as exc:
        logger.warning("limit counters unavailable (%s); not remembered", exc)


def recall(name: str, subject: str) -> str | None:
    try:
        value = cache.get(f"fact:{name}:{subject}")
    except (redis.RedisError, OSError) as exc:
        logger.warning("limit counters unavailable (%s)", exc)
        return None
    return value if isinstance(value, str) else None
