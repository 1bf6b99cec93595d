"""The live room of a virtual event or class session, on ``event:{id}``: who enters, the
chat with the host's rules (who may write, slow mode), muting and removing attendees,
ending the session, and attendance (join and leave times)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.errors import Conflict, Forbidden, NotFound, RateLimited, ServiceError
from accounts.models import User
from accounts.roles import STAFF_ROLES
from community.text import render_markdown
from events.models import Attendance, ChatMessage, Event, RoomRestriction
from events.services import get_event, has_a_place
from realtime.publish import next_seq, publish, recheck_followers

CHAT_MODES = ("everyone", "hosts", "nobody")
MAX_CHAT = 2000


def is_host(user: User, event: Event) -> bool:
    return event.organiser_id == user.pk or user.role in STAFF_ROLES


def _restriction(user: User, event: Event) -> RoomRestriction | None:
    return RoomRestriction.objects.filter(event=event, user=user).first()


def can_enter(user: User, event: Event) -> bool:
    """Hosts, and people with a place (an RSVP or enrolment) who were not removed."""
    if event.kind != Event.Kind.VIRTUAL or event.cancelled_at is not None:
        return False
    if is_host(user, event):
        return True
    if not has_a_place(user, event):
        return False
    restriction = _restriction(user, event)
    return restriction is None or not restriction.removed


def room(user: User, event_id: int) -> Event:
    event = get_event(event_id)
    if not can_enter(user, event):
        raise NotFound("no such live room")
    return event


def _host_room(user: User, event_id: int) -> Event:
    event = room(user, event_id)
    if not is_host(user, event):
        raise Forbidden("hosts only")
    return event


# --- chat -----------------------------------------------------------------------------------


def chat(user: User, event_id: int, body: str, client_id: str) -> ChatMessage:
    body = body.strip()
    if not body or len(body) > MAX_CHAT or "\x00" in body:
        raise ServiceError(f"a chat message is 1 to {MAX_CHAT} characters", code="invalid_field")
    if not client_id:
        raise ServiceError("a client id is required", code="invalid_field")
    existing = ChatMessage.objects.filter(author=user, client_id=client_id).first()
    if existing is not None:
        return existing
    event = room(user, event_id)
    if event.room_ended_at is not None:
        raise Forbidden("this session has ended", code="ended")
    host = is_host(user, event)
    if event.chat_mode == "nobody" or (event.chat_mode == "hosts" and not host):
        raise Forbidden("the host has closed the chat", code="chat_closed")
    restriction = _restriction(user, event)
    if restriction is not None and restriction.muted and not host:
        raise Forbidden("the host has muted you", code="muted")
    now = timezone.now()
    if event.chat_slow_seconds and not host:
        since = now - timedelta(seconds=event.chat_slow_seconds)
        last = (
            ChatMessage.objects.filter(event=event, author=user, created_at__gt=since)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is not None:
            wait = (last + timedelta(seconds=event.chat_slow_seconds) - now).total_seconds()
            raise RateLimited(max(wait, 0.1), "slow mode")
    html = render_markdown(body)
    try:
        with transaction.atomic():
            seq = next_seq(event.topic)
            message = ChatMessage.objects.create(
                event=event, author=user, client_id=client_id, body=body, html=html, seq=seq,
                created_at=now,
            )  # fmt: skip
            publish(event.topic, "room.chat", chat_shape(message, user, host), seq=seq)
    except IntegrityError:
        existing = ChatMessage.objects.filter(author=user, client_id=client_id).first()
        if existing is None:
            raise
        return existing
    return message


def chat_shape(message: ChatMessage, author: User, host: bool) -> dict[str, Any]:
    return {
        "id": message.pk,
        "event": message.event_id,
        "author": {"id": author.pk, "name": author.public_name(), "host": host},
        "client_id": message.client_id,
        "html": message.html,
        "created_at": message.created_at,
    }


def history(user: User, event_id: int, limit: int = 100) -> list[dict[str, Any]]:
    event = room(user, event_id)
    messages = list(
        ChatMessage.objects.filter(event=event).select_related("author").order_by("-seq")[:limit]
    )
    messages.reverse()
    return [{**chat_shape(m, m.author, is_host(m.author, event)), "seq": m.seq} for m in messages]


# --- the host's controls ------------------------------------------------------------------


def set_chat(user: User, event_id: int, mode: str | None, slow_seconds: int | None) -> Event:
    event = _host_room(user, event_id)
    if mode is not None:
        if mode not in CHAT_MODES:
            raise ServiceError("mode is everyone, hosts or nobody", code="invalid_field")
        event.chat_mode = mode
    if slow_seconds is not None:
        if not 0 <= slow_seconds <= 3600:
            raise ServiceError("slow mode is 0 to 3600 seconds", code="invalid_field")
        event.chat_slow_seconds = slow_seconds
    with transaction.atomic():
        event.save(update_fields=["chat_mode", "chat_slow_seconds"])
        publish(event.topic, "room.settings", settings_shape(event))
    return event


def settings_shape(event: Event) -> dict[str, Any]:
    return {
        "event": event.pk,
        "chat_mode": event.chat_mode,
        "chat_slow_seconds": event.chat_slow_seconds,
        "ended": event.room_ended_at is not None,
    }


def restrict(
    user: User, event_id: int, attendee_id: int, *, muted: bool | None, removed: bool
) -> None:
    """Mute or unmute an attendee, or remove them: their sockets leave the room and
    they cannot come back."""
    event = _host_room(user, event_id)
    attendee = User.objects.filter(pk=attendee_id).first()
    if attendee is None:
        raise NotFound("no such attendee")
    if is_host(attendee, event):
        raise Conflict("hosts cannot be muted or removed", code="host")
    with transaction.atomic():
        restriction, _ = RoomRestriction.objects.select_for_update().get_or_create(
            event=event, user=attendee
        )
        if muted is not None:
            restriction.muted = muted
        if removed:
            restriction.removed = True
        restriction.save()
        publish(
            event.topic,
            "room.attendee",
            {"event": event.pk, "user": attendee.pk, "muted": restriction.muted,
             "removed": restriction.removed},
        )  # fmt: skip
        if removed:
            recheck_followers(event.topic)


def end(user: User, event_id: int) -> Event:
    event = _host_room(user, event_id)
    if event.room_ended_at is not None:
        return event
    with transaction.atomic():
        event.room_ended_at = timezone.now()
        event.save(update_fields=["room_ended_at"])
        publish(event.topic, "room.settings", settings_shape(event))
    return event


# --- attendance (the topic's join and leave hooks) ------------------------------------------


def joined(user: User, key: str) -> None:
    Attendance.objects.create(event_id=int(key), user=user)


def left(user: User, key: str) -> None:
    stay = (
        Attendance.objects.filter(event_id=int(key), user=user, left_at__isnull=True)
        .order_by("-joined_at")
        .first()
    )
    if stay is not None:
        stay.left_at = timezone.now()
        stay.save(update_fields=["left_at"])


def can_follow(user: User, key: str) -> bool:
    if not key.isdigit():
        return False
    event = Event.objects.filter(pk=int(key)).first()
    return event is not None and can_enter(user, event)
