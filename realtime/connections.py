"""Addressing one user's open sockets on any server process, through the channel layer."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user-sockets.{user_id}"


def close_user_sockets(user_id: int) -> None:
    """Ask every socket of ``user_id`` to re-check its access, on every process.

    The sockets close themselves if the user's access was revoked. Should this message be
    lost, the per-process access sweep closes them within ``WS_ACCESS_SWEEP_SECONDS``.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "access.check"})
    except Exception:  # a Redis outage must not fail the logout that called us
        logger.exception("could not notify the sockets of user %s", user_id)
