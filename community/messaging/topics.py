"""``dm:{conversation}``: the members of a conversation, and the actions sent on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from accounts.bounds import id_from_key
from accounts.models import User
from accounts.names import public_names
from community.messaging import sending, services
from community.messaging.permissions import can_follow_conversation
from realtime.registry import Action, ActionSchema, EventSchema, TopicKind, registry


class Person(EventSchema):
    id: int
    name: str


class MessageCreated(EventSchema):
    id: int
    conversation: int
    sender: Person
    client_id: str
    html: str
    created_at: datetime
    edited_at: datetime | None
    deleted: bool


class MessageEdited(EventSchema):
    id: int
    conversation: int
    html: str
    edited_at: datetime


class MessageDeleted(EventSchema):
    id: int
    conversation: int
    deleted_at: datetime


class ReadUpdated(EventSchema):
    conversation: int
    user_id: int
    seq: int


class TypingStarted(EventSchema):
    conversation: int
    user_id: int


class ConversationAdded(EventSchema):
    conversation: int
    by: Person


# --- actions -------------------------------------------------------------------------


class SendIn(ActionSchema):
    conversation: int = Field(ge=1, le=2**62)
    body: str = Field(min_length=1, max_length=sending.MAX_BODY)


class EditIn(ActionSchema):
    message: int = Field(ge=1, le=2**62)
    body: str = Field(min_length=1, max_length=sending.MAX_BODY)


class MessageRef(ActionSchema):
    message: int = Field(ge=1, le=2**62)


class ReadIn(ActionSchema):
    conversation: int = Field(ge=1, le=2**62)
    seq: int = Field(ge=0, le=2**62)


class ConversationRef(ActionSchema):
    conversation: int = Field(ge=1, le=2**62)


async def send(user: User, payload: SendIn, client_id: str) -> dict[str, Any]:
    message = await sending.asend_direct_message(
        user, payload.conversation, payload.body, client_id
    )
    return {"message": message.pk, "conversation": message.conversation_id, "seq": message.seq}


def edit(user: User, payload: EditIn, client_id: str) -> dict[str, Any]:
    message, seq = services.edit_message(user, payload.message, payload.body)
    return {"message": message.pk, "seq": seq}


def delete(user: User, payload: MessageRef, client_id: str) -> dict[str, Any]:
    message, seq = services.delete_message(user, payload.message)
    return {"message": message.pk, "seq": seq}


def read(user: User, payload: ReadIn, client_id: str) -> dict[str, Any]:
    return {
        "conversation": payload.conversation,
        "seq": services.mark_read(user, payload.conversation, payload.seq),
    }


def typing(user: User, payload: ConversationRef, client_id: str) -> dict[str, Any]:
    services.signal_typing(user, payload.conversation)
    return {}


def can_follow(user: User, key: str) -> bool:
    conversation_id = id_from_key(key)
    return conversation_id is not None and can_follow_conversation(user, conversation_id)


def present_senders(rows: list[Any]) -> None:
    """Replay hook: senders are named as they choose now, not as when they wrote."""
    created = [row for row in rows if row.type == "message.created"]
    names = public_names(row.data["sender"]["id"] for row in created)
    for row in created:
        sender = row.data["sender"]
        sender["name"] = names.get(sender["id"], sender["name"])


def shows_presence(user: User, key: str) -> bool:
    """Who keeps read receipts to themself is not seen opening a conversation either."""
    return services.shares_read_receipts(user)


registry.add_topic_kind(
    TopicKind(
        "dm",
        can_follow,
        durable=True,
        presence=True,
        shows_presence=shows_presence,
        on_replay=present_senders,
    )
)
events: list[tuple[str, type[EventSchema]]] = [
    ("message.deleted", MessageDeleted),
    ("read.updated", ReadUpdated),
    ("typing.started", TypingStarted),
    ("conversation.added", ConversationAdded),
]
for name, schema in events:
    registry.add_event(name, schema)
# Kept apart: the events that carry a member's words, and which words (realtime.copies).
registry.add_event("message.created", MessageCreated, text=("html",), source=("message", "id"))
registry.add_event("message.edited", MessageEdited, text=("html",), source=("message", "id"))
registry.add_action(Action("dm.send", SendIn, async_handler=send))
registry.add_action(Action("dm.edit", EditIn, edit))
registry.add_action(Action("dm.delete", MessageRef, delete))
registry.add_action(Action("dm.read", ReadIn, read, needs_client_id=False))
registry.add_action(
    Action("dm.typing", ConversationRef, typing, rate_bucket="typing", needs_client_id=False)
)
