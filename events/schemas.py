"""The HTTP API's shapes of events, classes and live rooms: what the API takes in and
gives out. The events of a live room's topic, and the actions sent on it, have their
shapes in ``events.topics``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from accounts.bounds import BoundedDate, BoundedDatetime
from accounts.schemas import Input
from events import classes, interaction
from events.topics import RoomChat, RoomPoll


class EventIn(Input):
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=10_000)
    kind: str = Field(max_length=10, description="in_person or virtual")
    category: str = Field(default="", max_length=40)
    venue: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    region: str = Field(default="", max_length=16)
    time_zone: str | None = Field(
        default=None, max_length=64, description="the organiser's by default"
    )
    starts_at: BoundedDatetime
    ends_at: BoundedDatetime
    capacity: int | None = Field(default=None, ge=1, le=100_000)


class EventChangeIn(Input):
    title: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    venue: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    starts_at: BoundedDatetime | None = None
    ends_at: BoundedDatetime | None = None
    capacity: int | None = Field(default=None, ge=1, le=100_000)


class EventOut(Schema):
    id: int
    title: str
    description: str
    kind: str
    category: str
    organiser: str
    venue: str
    address: str
    region: str
    time_zone: str
    starts_at: datetime
    ends_at: datetime
    starts_local: str
    ends_local: str
    capacity: int | None
    going: int
    cancelled: bool
    my_status: str | None


class ListQuery(Input):
    kind: str | None = Field(default=None, max_length=10)
    category: str | None = Field(default=None, max_length=40)
    start: BoundedDate | None = Field(default=None, description="from this day, in my time zone")
    end: BoundedDate | None = Field(default=None, description="to this day, included")


class RsvpOut(Schema):
    event: int
    status: str


class Attendee(Schema):
    user: int
    name: str
    status: str
    since: datetime


class MessageIn(Input):
    body: str = Field(max_length=500)


class CancelIn(Input):
    reason: str = Field(default="", max_length=500)


# --- classes ---------------------------------------------------------------------------


class SeriesIn(Input):
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=10_000)
    wellness_education: bool = False
    region: str = Field(default="", max_length=16)
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    kind: str = Field(default="virtual", max_length=10)
    venue: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    time_zone: str | None = Field(default=None, max_length=64)
    first_start: BoundedDatetime
    duration_minutes: int = Field(ge=5, le=24 * 60)
    every_days: int = Field(default=7, ge=1, le=366)
    sessions: int = Field(ge=1, le=classes.MAX_SESSIONS)


class SessionOut(Schema):
    event: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool


class SeriesOut(Schema):
    id: int
    title: str
    description: str
    organiser: str
    wellness_education: bool
    region: str
    kind: str = Field(description="its sessions' kind: in_person or virtual")
    capacity: int | None
    enrolled: int
    me_enrolled: bool
    sessions: list[SessionOut]


class AttendanceRow(Schema):
    user: int
    name: str
    first_joined: datetime
    minutes: float
    present: bool


# --- live rooms ------------------------------------------------------------------------


class ChatOut(RoomChat):
    """A chat message as the API shows it: its ``room.chat`` event, with its seq."""

    seq: int


class RoomIn(Input):
    chat_mode: str | None = Field(
        default=None, max_length=8, description="everyone, hosts or nobody"
    )
    chat_slow_seconds: int | None = Field(default=None, ge=0, le=3600)


class RoomOut(Schema):
    event: int
    chat_mode: str
    chat_slow_seconds: int
    ended: bool


class PollIn(Input):
    question: str = Field(max_length=300)
    options: list[str] = Field(max_length=interaction.MAX_OPTIONS)


class PollOut(RoomPoll):
    """A poll as the API shows it: the shape of its ``room.poll`` event."""


class RoomView(RoomOut):
    title: str
    host: bool
    poll: PollOut | None = Field(description="the latest poll, open or closed; null if none")
    my_vote: int | None = Field(description="the option I chose in that poll, if any")
    hand_raised: bool = Field(description="whether my hand is up")


class QuestionsOut(Schema):
    questions: list[dict[str, Any]]
    hidden: int


class PresentOut(Schema):
    count: int
    attendees: list[dict[str, Any]]
    hands: list[dict[str, Any]]
