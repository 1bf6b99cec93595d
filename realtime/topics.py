"""Events the real-time core itself publishes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from realtime.registry import registry


class PresenceChanged(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: int
    online: bool


class PresenceCount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int


registry.add_event("presence.changed", PresenceChanged)
registry.add_event("presence.count", PresenceCount)
