"""The per-process registry of authenticated sockets and the access sweep.

Revocation and narrowed rights reach sockets through the hub at once. The sweep is the
safety net: every ``WS_ACCESS_SWEEP_SECONDS`` two queries check all users with a socket on
this process; it closes the sockets whose access ended and has those whose rights narrowed
since they last looked (``RightsChange``) reload their user and re-check their topics, so
no socket outlives a lost message by more than that interval.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict
from typing import Protocol

from channels.db import database_sync_to_async
from django.conf import settings

from accounts.models import User
from realtime.models import RightsChange

logger = logging.getLogger(__name__)


class SweptSocket(Protocol):
    user_id: int
    credential_time: float
    rights_seen: float  # when the socket last loaded its user's rights (its own clock)

    async def close_for_revoked_access(self) -> None: ...

    async def refresh_rights(self) -> None: ...


# Stamps are written by other processes (other clocks): look back this much further. A
# socket that refreshes once more than needed loses nothing.
CLOCK_SLACK_SECONDS = 2.0


# Weak: a socket whose consumer died without disconnect() must not stay here for ever.
_sockets: dict[int, weakref.WeakSet[SweptSocket]] = defaultdict(weakref.WeakSet)
_task: asyncio.Task[None] | None = None


def register(socket: SweptSocket) -> None:
    global _task
    _sockets[socket.user_id].add(socket)
    loop = asyncio.get_running_loop()
    if _task is None or _task.done() or _task.get_loop() is not loop:
        _task = loop.create_task(_sweep_forever(), name="realtime-access-sweep")


def unregister(socket: SweptSocket) -> None:
    sockets = _sockets.get(socket.user_id)
    if sockets is not None:
        sockets.discard(socket)
        if not sockets:
            del _sockets[socket.user_id]


def access_states(user_ids: list[int]) -> dict[int, tuple[bool, float | None]]:
    """For each user: whether active, and the time before which credentials are void."""
    rows = User.objects.filter(pk__in=user_ids).values_list("pk", "is_active", "access_valid_after")
    return {pk: (active, after.timestamp() if after else None) for pk, active, after in rows}


def access_state(user: User) -> tuple[bool, float | None]:
    after = user.access_valid_after
    return user.is_active, after.timestamp() if after else None


def rights_changes(user_ids: list[int]) -> dict[int, float]:
    """When each user's rights last narrowed, for those whose ever did."""
    rows = RightsChange.objects.filter(user_id__in=user_ids).values_list("user_id", "at")
    return {pk: at.timestamp() for pk, at in rows}


def reload_user(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def access_ended(state: tuple[bool, float | None] | None, credential_time: float) -> bool:
    if state is None:
        return True  # the account is gone
    active, valid_after = state
    return not active or (valid_after is not None and credential_time < valid_after)


async def sweep_once() -> int:
    """Close the sockets whose access ended and refresh those whose rights narrowed unseen;
    return how many closed."""
    snapshot = [s for group in _sockets.values() for s in group]
    if not snapshot:
        return 0
    user_ids = sorted(_sockets)
    states = await database_sync_to_async(access_states)(user_ids)
    changes = await database_sync_to_async(rights_changes)(user_ids)
    ended = [s for s in snapshot if access_ended(states.get(s.user_id), s.credential_time)]
    for socket in ended:
        await socket.close_for_revoked_access()
    for socket in snapshot:
        changed_at = changes.get(socket.user_id)
        if socket in ended or changed_at is None:
            continue
        if changed_at >= socket.rights_seen - CLOCK_SLACK_SECONDS:
            await socket.refresh_rights()
    return len(ended)


async def _sweep_forever() -> None:
    while True:
        await asyncio.sleep(settings.WS_ACCESS_SWEEP_SECONDS)
        try:
            await sweep_once()
        except Exception:
            logger.exception("access sweep failed; retrying next interval")
