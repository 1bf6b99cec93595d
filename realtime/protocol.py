"""Frames of the ``/ws/`` protocol (see docs/realtime-protocol.md).

Client frames are validated by pydantic models that refuse unknown fields. Server frames
are built here and nowhere else, so their shapes stay the documented ones.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CLIENT_ID = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class ClientFrame(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubscribeFrame(ClientFrame):
    type: Literal["subscribe"]
    topic: str = Field(max_length=64)
    since: int | None = Field(default=None, ge=0, le=2**62)


class UnsubscribeFrame(ClientFrame):
    type: Literal["unsubscribe"]
    topic: str = Field(max_length=64)


class PingFrame(ClientFrame):
    type: Literal["ping"]


class ActionEnvelope(ClientFrame):
    """The fields every action frame carries beside its own."""

    type: str = Field(max_length=48)
    id: str | None = CLIENT_ID


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def event_frame(topic: str, seq: int | None, event: str, data: dict[str, Any]) -> str:
    frame: dict[str, Any] = {"type": "event", "topic": topic}
    if seq is not None:
        frame["seq"] = seq
    frame["event"] = event
    frame["data"] = data
    return dumps(frame)


def error_frame(
    code: str,
    message: str,
    *,
    id: str | None = None,
    topic: str | None = None,
    retry_after: float | None = None,
) -> str:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if id is not None:
        frame["id"] = id
    if topic is not None:
        frame["topic"] = topic
    if retry_after is not None:
        frame["retry_after"] = round(retry_after, 3)
    return dumps(frame)


# Sent on a topic when who may follow it narrowed: each follower asks again.
RECHECK_FOLLOWERS = '{"type":"followers.recheck"}'
