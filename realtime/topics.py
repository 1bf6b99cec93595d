"""Events the real-time core itself publishes."""

from __future__ import annotations

from realtime.registry import EventSchema, registry


class PresenceChanged(EventSchema):
    user_id: int
    online: bool


class PresenceCount(EventSchema):
    count: int


registry.add_event("presence.changed", PresenceChanged)
registry.add_event("presence.count", PresenceCount)
