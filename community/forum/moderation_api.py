"""The forum's moderation over HTTP: flags, the review queue, hiding and restoring posts,
topic actions, slow mode, suspensions, the moderation log and moderators' scopes (thin:
the rules are in ``community.forum.moderation``, ``flags`` and ``suspensions``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts.permissions import acting_user, signed_in_user
from accounts.schemas import Input
from community.forum import flags, moderation, suspensions
from community.forum.api import ID, PostRow
from community.forum.shapes import thread_shape
from community.forum.topics import ThreadShape

router = Router(tags=["forum moderation"])


class FlagIn(Input):
    reason: str = Field(max_length=16)
    note: str = Field(default="", max_length=500)


class ReasonIn(Input):
    reason: str = Field(max_length=500)


class ResolveIn(ReasonIn):
    outcome: str = Field(max_length=16)


class ThreadActionIn(ReasonIn):
    category: int | None = Field(default=None, ge=1, le=2**62)
    seconds: int | None = Field(default=None, ge=0, le=86_400)


class SlowModeIn(ReasonIn):
    seconds: int = Field(ge=0, le=86_400)


class SuspendIn(ReasonIn):
    user: int = ID
    hours: float = Field(gt=0, le=suspensions.MAX_SUSPENSION_DAYS * 24)


class ScopeIn(Input):
    moderator: int = ID
    category: int | None = Field(default=None, ge=1, le=2**62)
    region: str = Field(default="", max_length=16)
    locale: str = Field(default="", max_length=16)


class QueueItem(Schema):
    post: PostRow
    thread: dict[str, Any]
    open_flags: int
    flags: list[dict[str, Any]]


class LogEntry(Schema):
    at: datetime
    moderator: str
    action: str
    target: dict[str, Any]
    category: int | None
    reason: str
    data: dict[str, Any]


@router.post("/forum/posts/{post_id}/flags", response={204: None})
def flag(request: HttpRequest, post_id: int, payload: FlagIn) -> Status[None]:
    """Flag a post for moderators. Enough flags hide it until it is reviewed."""
    flags.flag(acting_user(request), post_id, payload.reason, payload.note)
    return Status(204, None)


@router.get("/forum/moderation/queue", response=list[QueueItem])
def queue(request: HttpRequest) -> list[dict[str, Any]]:
    """Flagged posts in the categories I moderate, the most flagged first."""
    return flags.review_queue(signed_in_user(request))


@router.post("/forum/moderation/posts/{post_id}/resolve", response={204: None})
def resolve(request: HttpRequest, post_id: int, payload: ResolveIn) -> Status[None]:
    """``upheld`` keeps the post hidden; ``dismissed`` shows it again."""
    flags.resolve(signed_in_user(request), post_id, payload.outcome, payload.reason)
    return Status(204, None)


@router.post("/forum/moderation/posts/{post_id}/hide", response={204: None})
def hide(request: HttpRequest, post_id: int, payload: ReasonIn) -> Status[None]:
    moderation.hide_post(signed_in_user(request), post_id, payload.reason)
    return Status(204, None)


@router.post("/forum/moderation/posts/{post_id}/restore", response={204: None})
def restore(request: HttpRequest, post_id: int, payload: ReasonIn) -> Status[None]:
    moderation.restore_post(signed_in_user(request), post_id, payload.reason)
    return Status(204, None)


@router.post("/forum/moderation/threads/{thread_id}/{action}", response=ThreadShape)
def thread_action(
    request: HttpRequest, thread_id: int, action: str, payload: ThreadActionIn
) -> dict[str, Any]:
    """``action``: lock, unlock, pin, unpin, hide, unhide, delete, move (``category``) or
    slow_mode (``seconds`` between one member's posts; 0 turns it off)."""
    thread = moderation.thread_action(
        signed_in_user(request),
        thread_id,
        action[:16],
        payload.reason,
        category_id=payload.category,
        seconds=payload.seconds,
    )
    return thread_shape(thread)


@router.post("/forum/moderation/categories/{category_id}/slow_mode", response={204: None})
def category_slow_mode(request: HttpRequest, category_id: int, payload: SlowModeIn) -> Status[None]:
    moderation.category_slow_mode(
        signed_in_user(request), category_id, payload.seconds, payload.reason
    )
    return Status(204, None)


@router.post("/forum/moderation/suspensions", response={201: dict[str, Any]})
def suspend(request: HttpRequest, payload: SuspendIn) -> Status[dict[str, Any]]:
    made = suspensions.suspend(signed_in_user(request), payload.user, payload.hours, payload.reason)
    return Status(201, {"id": made.pk, "user": made.user_id, "until": made.until})


@router.delete("/forum/moderation/suspensions/{suspension_id}", response={204: None})
def lift(
    request: HttpRequest, suspension_id: int, reason: str = Query(..., max_length=500)
) -> Status[None]:
    suspensions.lift_suspension(signed_in_user(request), suspension_id, reason)
    return Status(204, None)


class SuspensionRow(Schema):
    id: int
    user: int
    name: str
    until: datetime
    reason: str


@router.get("/forum/moderation/suspensions", response=list[SuspensionRow])
def active_suspensions(request: HttpRequest) -> list[dict[str, Any]]:
    """The suspensions in force that I may lift, the soonest to end first."""
    return suspensions.active_suspensions(signed_in_user(request))


@router.get("/forum/moderation/log", response=list[LogEntry])
def log(request: HttpRequest) -> list[dict[str, Any]]:
    return moderation.log_for(signed_in_user(request))


@router.post("/forum/moderation/scopes", response={201: dict[str, Any]})
def add_scope(request: HttpRequest, payload: ScopeIn) -> Status[dict[str, Any]]:
    """Admins only: where a moderator may act."""
    scope = moderation.add_scope(
        signed_in_user(request),
        payload.moderator,
        category_id=payload.category,
        region=payload.region,
        locale=payload.locale,
    )
    return Status(201, {"id": scope.pk})
