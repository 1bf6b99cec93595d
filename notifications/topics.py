"""``user:{id}``: one's own notifications, followed by one's own sockets only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from accounts.models import User
from realtime.registry import TopicKind, registry


class NotificationCreated(BaseModel):
    """The event, and the API's shape of a notification (read from the model too)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)
    id: int
    kind: str
    title: str
    body: str
    url: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class NotificationRead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[int]
    unread_count: int


class NotificationWithdrawn(BaseModel):
    """Notifications taken back: what they were about was hidden or deleted."""

    model_config = ConfigDict(extra="forbid")
    ids: list[int]
    unread_count: int


def can_follow(user: User, key: str) -> bool:
    return key == str(user.pk)


registry.add_topic_kind(TopicKind("user", can_follow, durable=True, presence=True))
registry.add_event(
    "notification.created",
    NotificationCreated,
    text=("title", "body"),
    source=("notification", "id"),
)
registry.add_event("notification.read", NotificationRead)
registry.add_event("notification.withdrawn", NotificationWithdrawn)
