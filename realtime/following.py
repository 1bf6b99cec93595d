"""Following topics: subscribe with a replay from the cursor, presence, re-checks when
rights narrow, and what the hub calls (``deliver``, ``cursor``, ``resubscribed``)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from django.conf import settings

from realtime import codes, headcount, log, presence, sweeper
from realtime.connections import RIGHTS_CHECK
from realtime.protocol import RECHECK_FOLLOWERS, SubscribeFrame, UnsubscribeFrame, event_frame
from realtime.publish import publish
from realtime.registry import TopicKind, registry
from realtime.socket import Socket
from realtime.subscriptions import Subscription, deliver, drain
from realtime.threads import in_db_thread, in_thread

logger = logging.getLogger(__name__)


class Following(Socket):
    _refreshing = False
    _refresh_again = False

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
            headcount.count_soon(self.hub, topic)
        if kind.on_join is not None:
            await in_db_thread(kind.on_join)(self.user, key)
        self.send_frame(reply)

    async def _replay(self, topic: str, sub: Subscription, since: int | None) -> None:
        if since is None:
            sub.seq = await in_db_thread(log.latest_seq)(topic)
            return
        cursor = since
        resolved = registry.resolve(topic)
        present = resolved[0].on_replay if resolved is not None else None
        while True:
            rows = await in_db_thread(log.read_page)(topic, cursor, present)
            if rows is None:
                latest = await in_db_thread(log.latest_seq)(topic)
                self.send_frame({"type": "resync", "topic": topic, "seq": latest})
                sub.seq = latest
                return
            for row in rows:
                if not await self._writable():
                    return
                self._write(event_frame(topic, row.seq, row.type, row.data), None)
                cursor = row.seq
            if len(rows) < log.PAGE:
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
            headcount.count_soon(self.hub, topic)
        if kind.on_leave is not None:
            try:
                await in_db_thread(kind.on_leave)(self.user, key)
            except Exception:  # leaving must not fail; the record is best effort
                logger.warning("on_leave of %s failed", topic, exc_info=True)

    async def _announce_presence(self, topic: str, online: bool) -> None:
        data = {"user_id": self.user_id, "online": online}
        try:
            await in_db_thread(publish)(topic, "presence.changed", data, echo_to=self.user_id)
        except Exception:  # presence is best effort; the socket must not fail for it
            logger.warning("could not announce presence on %s", topic, exc_info=True)

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
        latest = await in_db_thread(log.latest_seq)(topic)
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
