"""The per-process hub: one subscription per followed topic, one hand-off per follower.

The hub subscribes its backend (``realtime.backends``) to a topic when its first local
socket follows it, and hands every message to each local follower, which writes the
same framed bytes. Durable events carry ``seq``; the hub catches a topic up from the log
when a follower sees a gap, after Redis reconnects, and on a periodic tail check, so an
event whose publish was lost still arrives. It also counts this process's sockets in
each topic's presence. Which hub serves this process is ``realtime.running``'s job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from django.conf import settings

from realtime import log, presence
from realtime.envelope import decode
from realtime.protocol import RECHECK_FOLLOWERS, event_frame
from realtime.threads import in_db_thread
from realtime.wire import text_frame

logger = logging.getLogger(__name__)

# Stamps are written by other processes (other clocks): look back this much further.
RECHECK_CLOCK_SLACK = 2.0

R = TypeVar("R")


class Follower(Protocol):
    user_id: int

    def deliver(self, topic: str, seq: int | None, frame: str, wire: bytes) -> None: ...

    def cursor(self, topic: str) -> int | None: ...

    def resubscribed(self, topic: str) -> None: ...


class Backend(Protocol):
    async def start(self, hub: Hub) -> None: ...

    async def subscribe(self, topic: str) -> None: ...

    async def wait_subscribed(self, topic: str) -> None: ...

    async def unsubscribe(self, topic: str) -> None: ...


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop, backend: Backend) -> None:
        self.loop = loop
        self.backend = backend
        self.followers: dict[str, set[Follower]] = {}
        self._catching_up: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self.presence_refs: dict[tuple[str, int], int] = {}
        self._rechecks_seen_until = time.time()
        # One thread, so this process's joins and leaves reach the store in order.
        self._presence_thread = ThreadPoolExecutor(1, thread_name_prefix="presence")

    async def start(self) -> None:
        await self.backend.start(self)
        self._tasks.append(self.loop.create_task(self._tail_check_forever()))
        self._tasks.append(self.loop.create_task(self._presence_heartbeat_forever()))

    # --- presence ---------------------------------------------------------------------

    async def presence_join(self, topic: str, user_id: int) -> bool:
        """Count one more local socket of ``user_id`` on ``topic``; True if it is the first."""
        key = (topic, user_id)
        count = self.presence_refs.get(key, 0)
        self.presence_refs[key] = count + 1
        if count == 0:
            await self.in_presence_thread(presence.refresh, [key])
        return count == 0

    async def presence_leave(self, topic: str, user_id: int) -> bool:
        key = (topic, user_id)
        count = self.presence_refs.get(key, 0) - 1
        if count > 0:
            self.presence_refs[key] = count
            return False
        self.presence_refs.pop(key, None)
        await self.in_presence_thread(presence.leave, topic, user_id)
        # Offline only if no other process still has a socket of theirs here.
        return user_id not in await self.in_presence_thread(presence.online, topic)

    async def in_presence_thread(self, func: Callable[..., R], *args: Any) -> R:
        return await self.loop.run_in_executor(self._presence_thread, func, *args)

    async def _presence_heartbeat_forever(self) -> None:
        while True:
            await asyncio.sleep(settings.PRESENCE_TTL_SECONDS / 3)
            await self.in_presence_thread(presence.refresh, list(self.presence_refs))

    # --- following -------------------------------------------------------------------

    async def follow(self, topic: str, follower: Follower) -> None:
        group = self.followers.get(topic)
        if group is None:
            group = self.followers[topic] = set()
            group.add(follower)
            await self.backend.subscribe(topic)
        else:
            group.add(follower)
            await self.backend.wait_subscribed(topic)

    async def unfollow(self, topic: str, follower: Follower) -> None:
        group = self.followers.get(topic)
        if group is None:
            return
        group.discard(follower)
        if not group:
            del self.followers[topic]
            await self.backend.unsubscribe(topic)

    @property
    def followed(self) -> list[str]:
        """The topics some local socket follows (the backend resubscribes them)."""
        return list(self.followers)

    def local_count(self, topic: str) -> int:
        return len(self.followers.get(topic, ()))

    # --- delivery --------------------------------------------------------------------

    def dispatch(self, topic: str, data: bytes) -> None:
        group = self.followers.get(topic)
        if not group:
            return
        seq, skip_user, frame = decode(data)
        self.fan_out(topic, seq, frame, group, skip_user)

    @staticmethod
    def fan_out(
        topic: str,
        seq: int | None,
        frame: str,
        group: Iterable[Follower],
        skip_user: int | None = None,
    ) -> None:
        wire = text_frame(frame.encode())
        for follower in tuple(group):
            if skip_user is not None and follower.user_id == skip_user:
                continue
            try:
                follower.deliver(topic, seq, frame, wire)
            except Exception:
                logger.exception("delivery to one follower of %s failed", topic)

    # --- catching up from the event log ---------------------------------------------

    def request_catch_up(self, topic: str) -> None:
        if topic not in self._catching_up:
            self._catching_up.add(topic)
            self.loop.create_task(self._catch_up(topic))

    async def _catch_up(self, topic: str) -> None:
        try:
            while True:
                group = self.followers.get(topic)
                if not group:
                    return
                cursors = [c for c in (f.cursor(topic) for f in group) if c is not None]
                if not cursors:
                    return
                since = min(cursors)
                rows = await in_db_thread(log.read_after)(topic, since)
                if rows is None:  # pruned past the cursor: those sockets must resync
                    for follower in tuple(group):
                        follower.resubscribed(topic)
                    return
                for row in rows:
                    frame = event_frame(topic, row.seq, row.type, row.data)
                    self.fan_out(topic, row.seq, frame, self.followers.get(topic, ()))
                if len(rows) < log.PAGE:
                    return
        except Exception:
            logger.exception("catching up %s failed", topic)
        finally:
            self._catching_up.discard(topic)

    def catch_up_all(self) -> None:
        for topic in list(self.followers):
            if log.is_durable(topic):
                self.request_catch_up(topic)

    async def _tail_check_forever(self) -> None:
        """Catch up topics whose last event never arrived (a publish lost in an outage)."""
        while True:
            await asyncio.sleep(settings.REALTIME_TAIL_CHECK_SECONDS)
            try:
                await self.tail_check()
            except Exception:
                logger.exception("tail check failed")

    async def tail_check(self) -> None:
        """Catch up topics whose last events never arrived, and have followers re-check
        topics whose audience narrowed since the last check (a lost ``recheck_followers``)."""
        durable = [t for t in self.followers if log.is_durable(t)]
        if not durable:
            return
        checked_from = self._rechecks_seen_until - RECHECK_CLOCK_SLACK
        self._rechecks_seen_until = time.time()
        states = await in_db_thread(log.topic_states)(durable)
        for topic, (last_seq, rechecked_at) in states.items():
            group = self.followers.get(topic, ())
            if any((f.cursor(topic) or 0) < last_seq for f in group):
                self.request_catch_up(topic)
            if rechecked_at is not None and rechecked_at >= checked_from:
                self.fan_out(topic, None, RECHECK_FOLLOWERS, group)
