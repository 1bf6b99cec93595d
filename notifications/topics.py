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
    def _name_people_as_now(cls, value: Any) -> Any:
        """A notice about people (its kind's title names them by ``data`` keys) names
        them as they choose now, on every door that shows it (the API, the event when
        sent)."""
        if isinstance(value, dict):
            fields = value
        else:  # a Notification row
            fields = {name: getattr(value, name, None) for name in cls.model_fields}
        kind, title, data = fields.get("kind"), fields.get("title"), fields.get("data")
        if not (isinstance(kind, str) and isinstance(title, str) and isinstance(data, dict)):
            return value  # validation says what is wrong
        return {**fields, "title": titled(kind, title, data, None)}


def people_of(kind: str, data: dict[str, Any]) -> dict[str, int]:
    """The people a notice of ``kind`` names in its title: ``data`` key -> their id. Empty
    when the kind's title names nobody, or ``data`` lacks one of them (a notice stored
    before its kind had this title keeps its own)."""
    found = KINDS.get(kind)
    if found is None or not found.title:
        return {}
    ids = {key: data.get(key) for key in found.people}
    if not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in ids.values()):
        return {}
    return {key: pk for key, pk in ids.items() if isinstance(pk, int)}


def titled(kind: str, title: str, data: dict[str, Any], names: dict[int, str] | None) -> str:
    """``title`` as its kind's template makes it, naming the people in ``data`` as they
    are now (``names``: id -> name, read here when None). A kind without a template, or a
    notice missing one of the people, keeps ``title``."""
    people = people_of(kind, data)
    if not people or not title:
        return title
    if names is None:
        names = public_names(people.values())
    if not all(pk in names for pk in people.values()):
        return title
    return KINDS[kind].title.format(**{key: names[pk] for key, pk in people.items()})


def present_names(rows: list[Any]) -> None:
    """Replay hook of ``user:{id}``: notices and new conversations name people as they
    choose now, in one query per page."""
    ids: set[int] = set()
    for row in rows:
        if row.type == "notification.created":
            ids |= set(people_of(row.data["kind"], row.data["data"]).values())
        elif row.type == "conversation.added":
            ids.add(row.data["by"]["id"])
    names = public_names(pk for pk in ids if isinstance(pk, int))
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
