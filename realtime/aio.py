"""PostgreSQL and Redis from the event loop itself, for the gateway's hottest actions.

A message sent over a socket used to cross into a worker thread for its two queries and
three Redis calls. Each crossing costs a thread hand-off and a fight for the interpreter
lock with every other busy thread; under load that, not the database, set the latency.
Here the same statements run on the event loop with psycopg's and redis-py's asyncio
clients: one bounded pool of autocommit connections per process, one Redis client.

Only raw statements run here (the ORM is synchronous). On SQLite (embedded mode) there
is no pool: ``db_available()`` is False and callers take their worker-thread path.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import redis.asyncio as aredis
from django.conf import settings
from django.db import connection
from psycopg_pool import AsyncConnectionPool

logger = logging.getLogger(__name__)

# Connection settings that are Django's own, not libpq's.
_DJANGO_ONLY_OPTIONS = {"pool", "server_side_binding", "isolation_level", "assume_role", "context"}

_pools: dict[asyncio.AbstractEventLoop, AsyncConnectionPool] = {}
_opening: dict[asyncio.AbstractEventLoop, asyncio.Task[AsyncConnectionPool]] = {}
_redis: dict[asyncio.AbstractEventLoop, tuple[str, aredis.Redis]] = {}


def db_available() -> bool:
    return connection.vendor == "postgresql" and settings.REALTIME_ASYNC_DB_POOL > 0


def _conninfo() -> dict[str, Any]:
    db = connection.settings_dict  # the test runner's database name included
    params: dict[str, Any] = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }
    for key, value in (db.get("OPTIONS") or {}).items():
        if key not in _DJANGO_ONLY_OPTIONS:
            params[key] = value
    return {k: v for k, v in params.items() if v is not None}


async def _open() -> AsyncConnectionPool:
    pool = AsyncConnectionPool(
        kwargs={**_conninfo(), "autocommit": True},
        min_size=1,
        max_size=settings.REALTIME_ASYNC_DB_POOL,
        open=False,
        name="gateway",
    )
    await pool.open(wait=True, timeout=10)
    return pool


async def pool() -> AsyncConnectionPool:
    """This event loop's pool, opened on first use (a pool belongs to one loop)."""
    loop = asyncio.get_running_loop()
    found = _pools.get(loop)
    if found is not None:
        return found
    for old in [other for other in _pools if other is not loop and other.is_closed()]:
        _pools.pop(old, None)  # a finished loop's connections close as they are collected
        _opening.pop(old, None)
    task = _opening.get(loop)
    if task is None:
        task = _opening[loop] = loop.create_task(_open())
    try:
        found = await asyncio.shield(task)
    except BaseException:
        if task.done():
            _opening.pop(loop, None)  # a failed opening is tried again by the next caller
        raise
    _pools[loop] = found
    return found


async def fetchone(sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """Run one statement in its own transaction (autocommit) and return its first row."""
    async with (await pool()).connection() as conn:
        cursor = await conn.execute(sql, params)
        return await cursor.fetchone()


async def fetchall(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    async with (await pool()).connection() as conn:
        cursor = await conn.execute(sql, params)
        return await cursor.fetchall()


def redis_client() -> aredis.Redis:
    """This event loop's Redis client (``REDIS_URL`` must be set)."""
    loop = asyncio.get_running_loop()
    url = settings.REDIS_URL
    found = _redis.get(loop)
    if found is None or found[0] != url:
        for old in [other for other in _redis if other.is_closed()]:
            _redis.pop(old, None)
        client = aredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        found = _redis[loop] = (url, client)
    return found[1]
