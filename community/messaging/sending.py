"""Sending a direct message: the rules, the one statement that stores it, and who is
told. A message is the hottest write of the product, so on PostgreSQL one query reads
everything the rules need (``permissions.send_context``) and one statement stores the
message and its ``message.created`` event with the topic's next seq and touches the
conversation (``realtime.log.StoreWithEvent``); from a socket both run on the event loop
(ADR 0007, 0008). Other databases (SQLite in embedded mode) take the ORM path.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.errors import UniqueViolation

from accounts.models import User
from community.messaging.permissions import (
    SEND_CONTEXT_SQL,
    SendContext,
    send_context,
    send_context_params,
)
from community.messaging.tasks import email_unread_messages
from community.models import Conversation, Membership, Message
from core.errors import Conflict, Forbidden, ServiceError
from core.text import is_plain, render_markdown
from notifications.kinds import Kind, register
from notifications.services import notify_many, preferences
from realtime import aio, presence
from realtime.copies import source_key
from realtime.log import Prepared, StoreWithEvent
from realtime.publish import apublish_stored, next_seq, publish, publish_stored
from realtime.threads import in_db_thread, in_thread

MAX_BODY = 10_000

register(Kind("dm.message", "New direct message", title="New message from {actor}"))


def clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ServiceError("a message cannot be empty", code="invalid_field")
    if len(body) > MAX_BODY:
        raise ServiceError(f"messages are {MAX_BODY} characters at most", code="invalid_field")
    if "\x00" in body:
        raise ServiceError("messages cannot contain NUL characters", code="invalid_field")
    return body


def person(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.public_name()}


def message_data(message: Message, sender: User) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "sender": person(sender),
        "client_id": message.client_id,
        "html": message.html,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "deleted": message.deleted_at is not None,
    }


# --- sending ----------------------------------------------------------------------------


def send_direct_message(sender: User, conversation_id: int, body: str, client_id: str) -> Message:
    """Store a message, then deliver it. A retry with the same ``client_id`` returns the
    message stored the first time and stores nothing."""
    body = _checked_send(body, client_id)
    context = send_context(sender, conversation_id)
    if context.partner_id is not None:
        other_ids = {context.partner_id}
    else:  # ids only: a group of hundreds is not loaded row by row on every message
        other_ids = set(
            Membership.objects.filter(conversation_id=conversation_id)
            .exclude(user_id=sender.pk)
            .values_list("user_id", flat=True)
        )
    try:
        context.check(sender)
    except Forbidden as exc:
        return _retry_of_a_send(sender, client_id, conversation_id, exc)
    html = render_markdown(body)
    # Read before the transaction, so no Redis wait holds the topic lock: who is looking
    # at the conversation, and of the others, who is online at all.
    away_ids = other_ids - presence.online(context.conversation.topic)
    seen = presence.online_many([f"user:{pk}" for pk in away_ids])
    outgoing = _outgoing(sender, context, client_id, body, html, away_ids, seen)
    try:
        if connection.vendor == "postgresql":
            return _store_in_one_statement(outgoing)
        return _store_with_orm(outgoing)
    except IntegrityError as exc:
        # The client id was stored before: a retry (checked after, as retries are rare).
        return _retry_of_a_send(sender, client_id, conversation_id, exc)


async def asend_direct_message(
    sender: User, conversation_id: int, body: str, client_id: str
) -> Message:
    """``send_direct_message`` for the gateway, with the same rules and effects. On
    PostgreSQL its statements and Redis calls run on the event loop (realtime.aio, ADR
    0008); elsewhere it is the synchronous service in a worker thread."""
    if not aio.db_available():
        return await in_db_thread(send_direct_message)(sender, conversation_id, body, client_id)
    body = _checked_send(body, client_id)
    topic = Conversation(pk=conversation_id).topic
    # Who is watching is read beside the context, not after it: a stranger's send learns
    # nothing from it (NotFound below) and the members' sends save a round trip.
    row, watching = await asyncio.gather(
        aio.fetchone(SEND_CONTEXT_SQL, send_context_params(sender, conversation_id)),
        presence.aonline(topic),
    )
    context = SendContext.from_row(conversation_id, row)
    try:
        context.check(sender)
    except Forbidden as exc:
        return await in_db_thread(_retry_of_a_send)(sender, client_id, conversation_id, exc)
    # Plain text renders in microseconds; Markdown and bleach take a worker thread.
    html = render_markdown(body) if is_plain(body) else await in_thread(render_markdown)(body)
    out = _outgoing(sender, context, client_id, body, html, set(), {})
    now = timezone.now()
    prepared = _prepared(out, now, watching)
    try:
        # The statement also names the members not watching, who get a notice.
        message_id, seq, away_ids = await astore_message(prepared)
    except UniqueViolation as exc:
        return await in_db_thread(_retry_of_a_send)(sender, client_id, conversation_id, exc)
    await apublish_stored(prepared, message_id, seq)
    message = out.message(seq, now, pk=message_id)
    if away_ids:
        seen = await presence.aonline_many([f"user:{pk}" for pk in away_ids])
        out = _outgoing(sender, context, client_id, body, html, away_ids, seen)
        # The notices are their own transaction, just after the message's (the message is
        # what must not be lost; its unread count and email do not depend on them).
        await in_db_thread(out.tell_those_away)(message)
    return message


def _checked_send(body: str, client_id: str) -> str:
    if not client_id:
        raise ServiceError("a client id is required", code="invalid_field")
    return clean_body(body)


def _outgoing(
    sender: User,
    context: SendContext,
    client_id: str,
    body: str,
    html: str,
    away_ids: set[int],
    seen: dict[str, set[int]],
) -> Outgoing:
    """``away_ids``: members not watching the conversation; ``seen``: who of them is
    online anywhere (by ``user:{id}`` topic), so the others get an email."""
    online = {pk for pk in away_ids if pk in seen[f"user:{pk}"]}
    return Outgoing(sender, context.conversation, client_id, body, html, away_ids, online)


def _retry_of_a_send(
    sender: User, client_id: str, conversation_id: int, error: Exception
) -> Message:
    """The message this client id stored before, else ``error`` raised: a retry of a send
    stored before the rules changed is still acked as stored."""
    existing = _sent_before(sender, client_id, conversation_id)
    if existing is None:
        raise error
    return existing


@dataclass(frozen=True)
class Outgoing:
    """A message ready to store: checked, rendered, and who is away known."""

    sender: User
    conversation: Conversation
    client_id: str
    body: str
    html: str
    away_ids: set[int]
    online: set[int]

    def message(self, seq: int, now: datetime, pk: int | None = None) -> Message:
        return Message(
            pk=pk,
            conversation=self.conversation,
            sender=self.sender,
            client_id=self.client_id,
            body=self.body,
            html=self.html,
            seq=seq,
            created_at=now,
        )

    def tell_those_away(self, message: Message) -> None:
        _tell_those_not_watching(
            self.conversation, message, self.sender, self.away_ids, self.online
        )


def _store_with_orm(out: Outgoing) -> Message:
    topic = out.conversation.topic
    with transaction.atomic():
        now = timezone.now()
        message = out.message(next_seq(topic), now)
        message.save(force_insert=True)
        publish(topic, "message.created", message_data(message, out.sender), seq=message.seq)
        Conversation.objects.filter(pk=out.conversation.pk).update(last_message_at=now)
        out.tell_those_away(message)
    return message


def _store_in_one_statement(out: Outgoing) -> Message:
    """PostgreSQL: the same effects as the ORM path, in one round trip (below)."""
    now = timezone.now()
    prepared = _prepared(out, now)
    # One statement is atomic by itself: a transaction (two more round trips) only when
    # there are notices to store with it, or a savepoint inside the caller's transaction.
    needs_transaction = bool(out.away_ids) or connection.in_atomic_block
    with transaction.atomic() if needs_transaction else contextlib.nullcontext():
        message_id, seq = store_message(prepared)
        publish_stored(prepared, message_id, seq)
        message = out.message(seq, now, pk=message_id)
        out.tell_those_away(message)
    return message


def _prepared(out: Outgoing, now: datetime, watching: set[int] | None = None) -> Prepared:
    """The message and its ``message.created`` event, ready for either statement below
    (``watching``: who is looking at the conversation already)."""
    data = message_data(out.message(0, now, pk=0), out.sender)
    del data["id"]  # the database gives it
    return STORE_MESSAGE.prepare(
        out.conversation.topic, now, data,
        conversation=out.conversation.pk, sender=out.sender.pk, client_id=out.client_id,
        body=out.body, html=out.html, watching=sorted(watching or ()),
    )  # fmt: skip


def _sent_before(sender: User, client_id: str, conversation_id: int) -> Message | None:
    existing = Message.objects.filter(sender=sender, client_id=client_id).first()
    if existing is not None and existing.conversation_id != conversation_id:
        raise Conflict("this client id was used for another conversation", code="client_id_reused")
    return existing


def _tell_those_not_watching(
    conversation: Conversation,
    message: Message,
    sender: User,
    away_ids: set[int],
    online: set[int],
) -> None:
    """Notify members who are not looking at the conversation; email those offline."""
    if not away_ids:
        return
    notify_many(
        sorted(away_ids),
        "dm.message",
        f"New message from {sender.public_name()}",
        body=message.body[:200],
        url=f"/?conversation={conversation.pk}",
        # The sender is named when the notice is shown (notifications.topics): a new name
        # or pseudonym taken later is the one every door shows.
        data={"conversation": conversation.pk, "message": message.pk, "actor": sender.pk},
        source=source_key("message", message.pk),
    )
    emails = preferences(sorted(away_ids - online), "dm.message")
    for member_id, (_, by_email) in emails.items():
        if not by_email:
            continue

        def enqueue_email(conversation_id: int = conversation.pk, user_id: int = member_id) -> None:
            email_unread_messages.delay(conversation_id, user_id)

        # robust: a broker outage costs this email, never the stored message.
        transaction.on_commit(enqueue_email, robust=True)


# --- the statement -------------------------------------------------------------------------

INSERT_MESSAGE = f"""INSERT INTO {Message._meta.db_table}
    (conversation_id, sender_id, client_id, body, html, seq, created_at)
SELECT %(conversation)s, %(sender)s, %(client_id)s, %(body)s, %(html)s, next_seq.seq, %(now)s
FROM next_seq
RETURNING id, seq"""  # noqa: S608  (table names come from the models; values are parameters)

TOUCH_CONVERSATION = f""", touched AS (
    UPDATE {Conversation._meta.db_table} SET last_message_at = %(now)s
    WHERE id = %(conversation)s AND EXISTS (SELECT 1 FROM stored)
)"""  # noqa: S608

# The other members not in %(watching)s: who needs a notice.
AWAY = f"""ARRAY(
    SELECT user_id FROM {Membership._meta.db_table}
    WHERE conversation_id = %(conversation)s AND user_id <> %(sender)s
      AND NOT (user_id = ANY(%(watching)s))
)"""  # noqa: S608

STORE_MESSAGE = StoreWithEvent("message.created", INSERT_MESSAGE, also=TOUCH_CONVERSATION)
STORE_MESSAGE_LIST_AWAY = StoreWithEvent(
    "message.created", INSERT_MESSAGE, also=TOUCH_CONVERSATION, returning=AWAY
)


def store_message(message: Prepared) -> tuple[int, int]:
    """Store the message and its event; return (message id, seq)."""
    message_id, seq = STORE_MESSAGE.store(message)
    return int(message_id), int(seq)


async def astore_message(message: Prepared) -> tuple[int, int, set[int]]:
    """``store_message`` on the event loop's own connection, which commits the statement
    by itself. Also returns the other members who are not watching."""
    message_id, seq, away = await STORE_MESSAGE_LIST_AWAY.astore(message)
    return int(message_id), int(seq), set(away)
