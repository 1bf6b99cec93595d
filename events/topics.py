"""``event:{id}``: the live room of a virtual event or class session. Durable chat and
room changes; a coalesced count of who is in, not a line per arrival."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from accounts.models import User
from events import rooms
from realtime.registry import Action, TopicKind, registry


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChatAuthor(Frozen):
    id: int
    name: str
    host: bool


class RoomChat(Frozen):
    id: int
    event: int
    author: ChatAuthor
    client_id: str
    html: str
    created_at: datetime


class RoomSettings(Frozen):
    event: int
    chat_mode: str
    chat_slow_seconds: int
    ended: bool


class RoomAttendee(Frozen):
    event: int
    user: int
    muted: bool
    removed: bool


class ChatIn(Frozen):
    event: int = Field(ge=1, le=2**62)
    body: str = Field(max_length=rooms.MAX_CHAT)


def chat(user: User, payload: ChatIn, client_id: str) -> dict[str, Any]:
    message = rooms.chat(user, payload.event, payload.body, client_id)
    return {"message": message.pk, "event": message.event_id, "seq": message.seq}


registry.add_topic_kind(
    TopicKind(
        "event",
        rooms.can_follow,
        durable=True,
        presence_count=True,
        on_join=rooms.joined,
        on_leave=rooms.left,
    )
)
for name, schema in (
    ("room.chat", RoomChat),
    ("room.settings", RoomSettings),
    ("room.attendee", RoomAttendee),
):
    registry.add_event(name, schema)
registry.add_action(Action("room.chat", ChatIn, chat))
