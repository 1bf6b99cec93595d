"""Per-user token buckets: Redis (shared by every process) or in process (embedded)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass

import redis
import redis.asyncio as aredis
from django.conf import settings

logger = logging.getLogger(__name__)

# KEYS[1]: bucket key. ARGV: rate per second, burst, cost. Uses the server's clock so
# every process agrees. Returns {allowed (0/1), seconds until allowed}.
TOKEN_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(wait)}
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float


TYPING_BUCKET = (2.0, 6.0)
# Password attempts per email address: 10 at once, then one every 10 seconds.
SIGN_IN_BUCKET = (0.1, 10.0)


def bucket_settings(bucket: str) -> tuple[float, float]:
    """(tokens per second, burst) of a bucket."""
    if bucket == "typing":
        return TYPING_BUCKET
    if bucket == "sign_in":
        return SIGN_IN_BUCKET
    return settings.RATE_ACTIONS_PER_SECOND, settings.RATE_ACTIONS_BURST


class LocalLimiter:
    """Embedded mode: one process, so the buckets live here (shared by HTTP and sockets)."""

    def __init__(self) -> None:
        self.state: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def take_now(self, bucket: str, user_id: int, cost: float = 1) -> Verdict:
        rate, burst = bucket_settings(bucket)
        key = f"{bucket}:{user_id}"
        with self.lock:
            now = time.monotonic()
            tokens, at = self.state.get(key, (burst, now))
            tokens = min(burst, tokens + (now - at) * rate)
            if tokens >= cost:
                self.state[key] = (tokens - cost, now)
                return Verdict(True, 0.0)
            self.state[key] = (tokens, now)
            return Verdict(False, (cost - tokens) / rate)

    async def take(self, bucket: str, user_id: int, cost: float = 1) -> Verdict:
        return self.take_now(bucket, user_id, cost)


_local = LocalLimiter()


class RedisLimiter:
    def __init__(self, url: str) -> None:
        self.url = url
        self.client = aredis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.script = self.client.register_script(TOKEN_BUCKET)

    async def take(self, bucket: str, user_id: int, cost: float = 1) -> Verdict:
        rate, burst = bucket_settings(bucket)
        try:
            allowed, wait = await self.script(
                keys=[f"edt:rl:{bucket}:{user_id}"], args=[rate, burst, cost]
            )
        except redis.RedisError as exc:
            # Fail open: an outage of the limiter must not stop every conversation.
            logger.warning("rate limiter unavailable (%s); allowing", exc)
            return Verdict(True, 0.0)
        return Verdict(bool(int(allowed)), float(wait))


_limiters: dict[object, RedisLimiter] = {}


def limiter() -> LocalLimiter | RedisLimiter:
    """The limiter for this event loop (Redis clients are bound to the loop they run in)."""
    if not settings.REDIS_URL:
        return _local
    key = (asyncio.get_running_loop(), settings.REDIS_URL)
    found = _limiters.get(key)
    if found is None:
        _limiters.clear()
        found = _limiters[key] = RedisLimiter(settings.REDIS_URL)
    return found


_sync_clients: dict[str, redis.Redis] = {}


def take_sync(bucket: str, user_id: int, cost: float = 1) -> Verdict:
    """The same buckets, for synchronous callers (HTTP views)."""
    url = settings.REDIS_URL
    if not url:
        return _local.take_now(bucket, user_id, cost)
    client = _sync_clients.get(url)
    if client is None:
        client = _sync_clients[url] = redis.Redis.from_url(
            url, socket_timeout=1, socket_connect_timeout=1
        )
    rate, burst = bucket_settings(bucket)
    try:
        allowed, wait = client.eval(
            TOKEN_BUCKET, 1, f"edt:rl:{bucket}:{user_id}", rate, burst, cost
        )
    except redis.RedisError as exc:
        logger.warning("rate limiter unavailable (%s); allowing", exc)
        return Verdict(True, 0.0)
    return Verdict(bool(int(allowed)), float(wait))
