"""The live room of a virtual event or class session, on ``event:{id}``: who enters, the
chat with the host's rules (who may write, slow mode), muting and removing attendees,
ending the session, and attendance (join and leave times)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.errors import UniqueViolation

from accounts.bounds import id_from_key
from accounts.models import User
from accounts.roles import STAFF_ROLES
from core.errors import Conflict, Forbidden, NotFound, RateLimited, ServiceError
from core.text import is_plain, render_markdown
from events.models import Attendance, ChatMessage, Enrollment, Event, RoomRestriction, Rsvp
from events.permissions import can_see_event
from events.services import can_organise, get_event, has_a_place
from realtime import aio
from realtime.log import StoreWithEvent
from realtime.publish import apublish_stored, next_seq, publish, recheck_followers
from realtime.threads import in_db_thread, in_thread

CHAT_MODES = ("everyone", "hosts", "nobody")
MAX_CHAT = 2000


def is_host(user: User, event: Event) -> bool:
    """The organiser while they may still organise, and staff."""
    return (event.organiser_id == user.pk and can_organise(user)) or user.role in STAFF_ROLES


def _restriction(user: User, event: Event) -> RoomRestriction | None:
    return RoomRestriction.objects.filter(event=event, user=user).first()


def can_enter(user: User, event: Event) -> bool:
    """Hosts, and people with a place (an RSVP or enrolment) who were not removed and are
    still of its audience (a customer who moved out of a regional event's region is not)."""
    if event.kind != Event.Kind.VIRTUAL or event.cancelled_at is not None:
        return False
    if is_host(user, event):
        return True
    if not can_see_event(user, event) or not has_a_place(user, event):
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


CHAT_FACTS_SQL = f"""
SELECT e.kind, e.cancelled_at IS NOT NULL, e.room_ended_at IS NOT NULL, e.chat_mode,
  e.chat_slow_seconds, e.organiser_id,
  (EXISTS (SELECT 1 FROM {Rsvp._meta.db_table}
           WHERE event_id = e.id AND user_id = %(u)s AND status = 'going')
   OR EXISTS (SELECT 1 FROM {Enrollment._meta.db_table}
              WHERE series_id = e.series_id AND user_id = %(u)s))
  AND (e.region = '' OR EXISTS (SELECT 1 FROM {User._meta.db_table}
       WHERE id = %(u)s AND (role <> 'customer' OR region = e.region))),
  COALESCE(r.muted, FALSE), COALESCE(r.removed, FALSE),
  (SELECT max(created_at) FROM {ChatMessage._meta.db_table}
   WHERE event_id = e.id AND author_id = %(u)s)
FROM {Event._meta.db_table} e
LEFT JOIN {RoomRestriction._meta.db_table} r ON r.event_id = e.id AND r.user_id = %(u)s
WHERE e.id = %(e)s
"""  # noqa: S608  (table names come from the models; values are parameters)


@dataclass(frozen=True)
class ChatFacts:
    """Everything the chat rules look at, read in one query (CHAT_FACTS_SQL)."""

    kind: str
    cancelled: bool
    ended: bool
    chat_mode: str
    slow_seconds: int
    organiser_id: int
    has_place: bool
    muted: bool
    removed: bool
    last_at: datetime | None


def check_chat(user: User, facts: ChatFacts | None, now: datetime) -> bool:
    """The chat's rules, in one place for both ways of sending. Returns whether the
    user hosts the room."""
    if facts is None:
        raise NotFound("no such live room")
    host = facts.organiser_id == user.pk or user.role in STAFF_ROLES
    inside = host or (facts.has_place and not facts.removed)
    if facts.kind != Event.Kind.VIRTUAL or facts.cancelled or not inside:
        raise NotFound("no such live room")
    if facts.ended:
        raise Forbidden("this session has ended", code="ended")
    if facts.chat_mode == "nobody" or (facts.chat_mode == "hosts" and not host):
        raise Forbidden("the host has closed the chat", code="chat_closed")
    if facts.muted and not host:
        raise Forbidden("the host has muted you", code="muted")
    if facts.slow_seconds and not host and facts.last_at is not None:
        wait = (facts.last_at + timedelta(seconds=facts.slow_seconds) - now).total_seconds()
        if wait > 0:
            raise RateLimited(wait, "slow mode")
    return host


def _checked_body(body: str, client_id: str) -> str:
    body = body.strip()
    if not body or len(body) > MAX_CHAT or "\x00" in body:
        raise ServiceError(f"a chat message is 1 to {MAX_CHAT} characters", code="invalid_field")
    if not client_id:
        raise ServiceError("a client id is required", code="invalid_field")
    return body


def _facts(row: tuple[Any, ...] | None) -> ChatFacts | None:
    return None if row is None else ChatFacts(*row)


def _chatted_before(user: User, client_id: str, event_id: int) -> ChatMessage | None:
    """The message ``client_id`` stored before in this room (a retry), if any. A client id
    is the author's, across rooms: one used in another room is refused, never acked with
    that room's message."""
    existing = ChatMessage.objects.filter(author=user, client_id=client_id).first()
    if existing is not None and existing.event_id != event_id:
        raise Conflict("this client id was used in another room", code="client_id_reused")
    return existing


def chat(user: User, event_id: int, body: str, client_id: str) -> ChatMessage:
    body = _checked_body(body, client_id)
    existing = _chatted_before(user, client_id, event_id)
    if existing is not None:
        return existing
    with connection.cursor() as cursor:
        cursor.execute(CHAT_FACTS_SQL, {"u": user.pk, "e": event_id})
        row = cursor.fetchone()
    now = timezone.now()
    host = check_chat(user, _facts(row), now)
    html = render_markdown(body)
    topic = f"event:{event_id}"
    try:
        with transaction.atomic():
            seq = next_seq(topic)
            message = ChatMessage.objects.create(
                event_id=event_id, author=user, client_id=client_id, body=body, html=html,
                seq=seq, created_at=now,
            )  # fmt: skip
            publish(topic, "room.chat", chat_shape(message, user, host), seq=seq)
    except IntegrityError:
        existing = _chatted_before(user, client_id, event_id)
        if existing is None:
            raise
        return existing
    return message


# A chat message and its ``room.chat`` event in one statement (as direct messages).
STORE_CHAT = StoreWithEvent(
    "room.chat",
    f"""INSERT INTO {ChatMessage._meta.db_table}
        (event_id, author_id, client_id, body, html, seq, created_at)
    SELECT %(event)s, %(author)s, %(client_id)s, %(body)s, %(html)s, next_seq.seq, %(now)s
    FROM next_seq
    RETURNING id, seq""",  # noqa: S608  (table names come from the models; values are parameters)
)


async def achat(user: User, event_id: int, body: str, client_id: str) -> tuple[int, int]:
    """``chat`` for the gateway: on PostgreSQL one query for the rules and one statement
    to store, on the event loop (as direct messages, ADR 0008). Returns (id, seq)."""
    if not aio.db_available():
        message = await in_db_thread(chat)(user, event_id, body, client_id)
        return message.pk, message.seq
    body = _checked_body(body, client_id)
    row = await aio.fetchone(CHAT_FACTS_SQL, {"u": user.pk, "e": event_id})
    now = timezone.now()
    host = check_chat(user, _facts(row), now)
    html = render_markdown(body) if is_plain(body) else await in_thread(render_markdown)(body)
    author = {"id": user.pk, "name": user.public_name(), "host": host}
    prepared = STORE_CHAT.prepare(
        f"event:{event_id}", now,
        {"event": event_id, "author": author, "client_id": client_id, "html": html,
         "created_at": now},
        event=event_id, author=user.pk, client_id=client_id, body=body, html=html,
    )  # fmt: skip
    try:
        message_id, seq = await STORE_CHAT.astore(prepared)
    except UniqueViolation:
        found = await in_db_thread(_chatted_before)(user, client_id, event_id)
        if found is None:
            raise
        return found.pk, found.seq
    await apublish_stored(prepared, message_id, seq)
    return message_id, seq


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
    event_id = id_from_key(key)
    if event_id is None:
        return False
    event = Event.objects.filter(pk=event_id).first()
    return event is not None and can_enter(user, event)
