"""``user:{id}``: one's own notifications, followed by one's own sockets only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from accounts.models import User
from accounts.names import public_names
from notifications.kinds import KINDS
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

    @model_validator(mode="after")
    def _name_the_actor_as_now(self) -> NotificationCreated:
        """A notice about someone (``data.actor``) names them as they choose now, on every
        door that shows it (the API, the event when sent)."""
        self.title = titled(self.kind, self.title, self.data, None)
        return self


def titled(kind: str, title: str, data: dict[str, Any], names: dict[int, str] | None) -> str:
    """``title`` with the actor named as now, for kinds whose title names one."""
    template = KINDS[kind].title if kind in KINDS else ""
    actor = data.get("actor")
    if not template or not isinstance(actor, int) or not title:
        return title
    if names is None:
        names = public_names([actor])
    return template.format(actor=names[actor]) if actor in names else title


def present_names(rows: list[Any]) -> None:
    """Replay hook of ``user:{id}``: notices and new conversations name people as they
    choose now, in one query per page."""
    actors = {row.data["data"].get("actor") for row in rows if row.type == "notification.created"}
    actors |= {row.data["by"]["id"] for row in rows if row.type == "conversation.added"}
    names = public_names(a for a in actors if isinstance(a, int))
    for row in rows:
        if row.type == "notification.created":
            data = row.data
            data["title"] = titled(data["kind"], data["title"], data["data"], names)
        elif row.type == "conversation.added":
            by = row.data["by"]
            by["name"] = names.get(by["id"], by["name"])


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


registry.add_topic_kind(
    TopicKind("user", can_follow, durable=True, presence=True, on_replay=present_names)
)
registry.add_event(
    "notification.created",
    NotificationCreated,
    text=("title", "body"),
    source=("notification", "id"),
)
registry.add_event("notification.read", NotificationRead)
registry.add_event("notification.withdrawn", NotificationWithdrawn)
