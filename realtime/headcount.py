"""Head counts: how many follow a topic (a live room of thousands), published coalesced.

However many join or leave meanwhile, each process publishes one ``presence.count`` per
topic per ``PRESENCE_COUNT_SECONDS``, counted from the shared presence store.
"""

from __future__ import annotations

import logging

from django.conf import settings

from realtime import presence
from realtime.hub import Hub
from realtime.publish import publish
from realtime.threads import in_db_thread

logger = logging.getLogger(__name__)

_due: set[tuple[int, str]] = set()  # (id of the hub, topic) with a count on its way


def count_soon(hub: Hub, topic: str) -> None:
    """Publish how many follow ``topic`` within ``PRESENCE_COUNT_SECONDS``."""
    key = (id(hub), topic)
    if key in _due:
        return
    _due.add(key)
    hub.loop.call_later(
        settings.PRESENCE_COUNT_SECONDS,
        lambda: hub.loop.create_task(_publish_count(hub, topic)),
    )


async def _publish_count(hub: Hub, topic: str) -> None:
    _due.discard((id(hub), topic))
    try:
        count = len(await hub.in_presence_thread(presence.online, topic))
        await in_db_thread(publish)(topic, "presence.count", {"count": count})
    except Exception:  # a hint: the next change sends it again
        logger.warning("could not publish the count of %s", topic, exc_info=True)
