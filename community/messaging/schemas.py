"""The HTTP API's shapes of direct messaging (a message is its event's shape, with its seq)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from accounts.bounds import Id
from accounts.schemas import Input
from community.messaging.sending import MAX_BODY
from community.messaging.topics import MessageCreated, Person


class MemberOut(Person):
    last_read_seq: int | None


class ConversationOut(Schema):
    id: int
    kind: str
    title: str
    members: list[MemberOut]
    unread: int
    last_read_seq: int
    last_message_at: datetime | None


class ConversationIn(Input):
    members: list[Id] = Field(min_length=1, max_length=50)
    title: str = Field(default="", max_length=120)


class MessageIn(Input):
    body: str = Field(min_length=1, max_length=MAX_BODY)
    client_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class MessageEditIn(Input):
    body: str = Field(min_length=1, max_length=MAX_BODY)


class MessageOut(MessageCreated):
    """A message as the API shows it: its ``message.created`` event, with its seq and its
    Markdown ``body`` (what an edit starts from; empty once deleted)."""

    seq: int
    body: str


class HistoryOut(Schema):
    items: list[MessageOut]
    next_before: int | None


class ReadIn(Input):
    seq: int = Field(ge=0, le=2**62)


class ReadOut(Schema):
    conversation: int
    seq: int


class SettingsOut(Schema):
    accept_from_customers: bool
    share_read_receipts: bool


class SettingsIn(Input):
    accept_from_customers: bool | None = None
    share_read_receipts: bool | None = None


class BlockIn(Input):
    user_id: int = Field(ge=1, le=2**62)


class ContactOut(Schema):
    id: int
    name: str
    role: str
