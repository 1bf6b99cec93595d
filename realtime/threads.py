"""The gateway's worker threads: where work that may block (queries, Redis calls) runs.

Its calls wait on PostgreSQL and Redis most of the time, so the pool has more threads
than the event loop's default (cores + 4), and calls run several at a time: the default
thread-sensitive mode of ``sync_to_async`` would put every socket's work on one thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings

P = ParamSpec("P")
R = TypeVar("R")

_workers: ThreadPoolExecutor | None = None


def workers() -> ThreadPoolExecutor:
    global _workers
    if _workers is None:
        _workers = ThreadPoolExecutor(
            settings.REALTIME_WORKER_THREADS, thread_name_prefix="gateway"
        )
    return _workers


def in_thread(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """``func`` as a coroutine that runs in the gateway's pool."""
    return sync_to_async(func, thread_sensitive=False, executor=workers())


def in_db_thread(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Like ``in_thread``, closing stale database connections around the call."""
    return database_sync_to_async(func, thread_sensitive=False, executor=workers())
