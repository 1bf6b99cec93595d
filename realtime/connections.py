"""Addressing one user's open sockets on every server process.

Each signed-in socket follows the internal hub topic ``access:{user_id}`` (clients
cannot subscribe to it: no app registers the kind). Publishing on it reaches every
socket of that user, through the same Redis connection and reconnect logic as all
events, so a Redis restart neither kills sockets nor loses the message for long: the
per-process access sweep closes anything it missed within ``WS_ACCESS_SWEEP_SECONDS``.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

ACCESS_CHECK = '{"type":"access.check"}'
# Sent on a topic itself when who may follow it changed: each follower asks again.
RECHECK_FOLLOWERS = '{"type":"followers.recheck"}'


def access_topic(user_id: int) -> str:
    return f"access:{user_id}"


def close_user_sockets(user_id: int) -> None:
    """Ask every socket of ``user_id`` to re-check its access; they close if it ended."""
    from realtime.hub import publish_message

    try:
        publish_message(access_topic(user_id), None, ACCESS_CHECK)
    except Exception:  # a Redis outage must not fail the logout that called us
        logger.exception("could not notify the sockets of user %s", user_id)
