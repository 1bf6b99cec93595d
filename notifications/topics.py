"""``user:{id}``: one's own notifications, followed by one's own sockets only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, model_validator

from accounts.models import User
from accounts.names import public_names
from notifications.kinds import KINDS
from realtime.registry import EventSchema, TopicKind, registry


class NotificationCreated(EventSchema):
    """The event, and the API's shape of a notification (read from the model too)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    title: str
    body: str
    url: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None

    @model_validator(mode="before")
    @classmethod
    def _name_the_actor_as_now(cls, value: Any) -> Any:
        """A notice about someone (``data.actor``) names them as they choose now, on every
        door that shows it (the API, the event when sent)."""
        if isinstance(value, dict):
            fields = value
        else:  # a Notification row
            fields = {name: getattr(value, name, None) for name in cls.model_fields}
        kind, title, data = fields.get("kind"), fields.get("title"), fields.get("data")
        if not (isinstance(kind, str) and isinstance(title, str) and isinstance(data, dict)):
            return value  # validation says what is wrong
        return {**fields, "title": titled(kind, title, data, None)}


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


class NotificationRead(EventSchema):
    ids: list[int]
    unread_count: int


class NotificationWithdrawn(EventSchema):
    """Notifications taken back: what they were about was hidden or deleted."""

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
