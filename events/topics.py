"""``event:{id}``: the live room of a virtual event or class session. Durable chat and
room changes; a coalesced count of who is in, not a line per arrival."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from accounts.models import User
from events import interaction, rooms
from realtime.registry import Action, ActionSchema, EventSchema, TopicKind, registry


class ChatAuthor(EventSchema):
    id: int
    name: str
    host: bool


class RoomChat(EventSchema):
    id: int
    event: int
    author: ChatAuthor
    client_id: str
    html: str
    created_at: datetime


class RoomSettings(EventSchema):
    event: int
    chat_mode: str
    chat_slow_seconds: int
    ended: bool


class RoomAttendee(EventSchema):
    event: int
    user: int
    muted: bool
    removed: bool


class RoomQuestion(EventSchema):
    id: int
    event: int
    author: str
    body: str
    votes: int
    answered: bool
    created_at: datetime


class QuestionVotes(EventSchema):
    question: int
    event: int
    votes: int


class QuestionAnswered(EventSchema):
    question: int
    event: int


class QuestionHidden(EventSchema):
    question: int
    event: int
    hidden: int


class RoomPoll(EventSchema):
    id: int
    event: int
    question: str
    options: list[str]
    counts: list[int]
    closed: bool


class Hand(EventSchema):
    user: int
    name: str


class RoomHands(EventSchema):
    event: int
    raised: list[Hand]


class AskIn(ActionSchema):
    event: int = Field(ge=1, le=2**62)
    body: str = Field(max_length=interaction.MAX_QUESTION)


class UpvoteIn(ActionSchema):
    question: int = Field(ge=1, le=2**62)


class VoteIn(ActionSchema):
    poll: int = Field(ge=1, le=2**62)
    option: int = Field(ge=0, le=100)


class HandIn(ActionSchema):
    event: int = Field(ge=1, le=2**62)
    up: bool = True


def ask(user: User, payload: AskIn, client_id: str) -> dict[str, Any]:
    return {"question": interaction.ask(user, payload.event, payload.body).pk}


def upvote(user: User, payload: UpvoteIn, client_id: str) -> dict[str, Any]:
    return {"question": payload.question, "votes": interaction.upvote(user, payload.question).votes}


def vote(user: User, payload: VoteIn, client_id: str) -> dict[str, Any]:
    interaction.vote(user, payload.poll, payload.option)
    return {"poll": payload.poll}


def hand(user: User, payload: HandIn, client_id: str) -> dict[str, Any]:
    interaction.raise_hand(user, payload.event, payload.up)
    return {"event": payload.event, "up": payload.up}


class ChatIn(ActionSchema):
    event: int = Field(ge=1, le=2**62)
    body: str = Field(max_length=rooms.MAX_CHAT)


async def chat(user: User, payload: ChatIn, client_id: str) -> dict[str, Any]:
    message_id, seq = await rooms.achat(user, payload.event, payload.body, client_id)
    return {"message": message_id, "event": payload.event, "seq": seq}


registry.add_topic_kind(
    TopicKind(
        "event",
        rooms.can_follow,
        durable=True,
        presence_count=True,
        on_join=rooms.joined,
        on_leave=rooms.left,
        on_replay=interaction.present_names,
    )
)
for name, schema in (
    ("room.settings", RoomSettings),
    ("room.attendee", RoomAttendee),
    ("room.question_votes", QuestionVotes),
    ("room.question_answered", QuestionAnswered),
    ("room.question_hidden", QuestionHidden),
    ("room.poll", RoomPoll),
    ("room.hands", RoomHands),
):
    registry.add_event(name, schema)
# The events that carry a member's words, and which words (realtime.copies).
registry.add_event("room.chat", RoomChat, text=("html",), source=("chat", "id"))
# A hidden question leaves no words and no asker behind.
registry.add_event(
    "room.question", RoomQuestion, text=("body", "author"), source=("question", "id")
)
registry.add_action(Action("room.chat", ChatIn, async_handler=chat))
registry.add_action(Action("room.ask", AskIn, ask))
registry.add_action(Action("room.upvote", UpvoteIn, upvote))
registry.add_action(Action("room.vote", VoteIn, vote))
registry.add_action(Action("room.hand", HandIn, hand, needs_client_id=False))
