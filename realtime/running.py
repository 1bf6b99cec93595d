"""The hub of this process: made with its backend and started on first use, in the
serving event loop (a test's new loop gets a new one)."""

from __future__ import annotations

import asyncio

from realtime.backends import make_backend
from realtime.hub import Hub

_hub: Hub | None = None
_hub_started: asyncio.Task[None] | None = None


async def get_hub() -> Hub:
    global _hub, _hub_started
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        _hub = Hub(loop, make_backend())
        _hub_started = loop.create_task(_hub.start())
    hub = _hub
    assert _hub_started is not None
    await asyncio.shield(_hub_started)
    return hub


def current_hub() -> Hub | None:
    hub = _hub
    if hub is None or hub.loop.is_closed():
        return None
    return hub
