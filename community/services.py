"""Direct messaging: every write and every rule. Events go out through realtime.publish."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone
from psycopg.errors import UniqueViolation

from accounts.models import Block, User
from accounts.signals import narrow_rights
from community import storage
from community.models import Conversation, Membership, Message, MessagingSettings
from community.permissions import (
    SEND_CONTEXT_SQL,
    SendContext,
    blocks_between,
    check_can_message,
    membership_or_404,
    send_context,
    send_context_params,
)
from community.tasks import email_unread_messages
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from core.text import is_plain, render_markdown
from notifications.services import notify_many, preferences
from realtime import aio, log, presence
from realtime.copies import source_key, withdraw
from realtime.publish import apublish_stored, next_seq, publish, publish_stored, recheck_followers
from realtime.threads import in_db_thread, in_thread

MAX_BODY = 10_000


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ServiceError("a message cannot be empty", code="invalid_field")
    if len(body) > MAX_BODY:
        raise ServiceError(f"messages are {MAX_BODY} characters at most", code="invalid_field")
    if "\x00" in body:
        raise ServiceError("messages cannot contain NUL characters", code="invalid_field")
    return body


def _person(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.public_name()}


# --- conversations -------------------------------------------------------------------


def start_conversation(creator: User, member_ids: list[int], title: str = "") -> Conversation:
    """A direct conversation with one other person (the existing one if there is one), or a
    group with several. The creator must be allowed to message every member."""
    others = sorted(set(member_ids) - {creator.pk})
    if not others:
        raise ServiceError("name at least one other member", code="invalid_field")
    if len(others) + 1 > settings.DM_MAX_GROUP_SIZE:
        raise ServiceError(
            f"groups have {settings.DM_MAX_GROUP_SIZE} members at most", code="invalid_field"
        )
    # Someone one may not message answers as if there were nobody: an id tells neither
    # that an account exists nor what role it has. (A block is said: the member needs to
    # know, and knows the person already.)
    nobody = NotFound("no such person you can message")
    members = list(User.objects.filter(pk__in=others, is_active=True))
    if len(members) != len(others):
        raise nobody
    for member in members:
        try:
            check_can_message(creator, member)
        except Forbidden as exc:
            if exc.code == "blocked":
                raise
            raise nobody from None
    if len(members) > 1 and blocks_between([m.pk for m in members]):
        raise Forbidden(
            "some of these people have blocked one another; they cannot share a group",
            code="blocked",
        )
    title = title.strip()[:120]
    if len(members) == 1:
        key = ":".join(str(i) for i in sorted((creator.pk, members[0].pk)))
        existing = Conversation.objects.filter(direct_key=key).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return _create(creator, members, Conversation.Kind.DIRECT, "", key)
        except IntegrityError:  # created by the other person at the same moment
            return Conversation.objects.get(direct_key=key)
    return _create(creator, members, Conversation.Kind.GROUP, title, None)


def _create(
    creator: User, members: list[User], kind: str, title: str, key: str | None
) -> Conversation:
    with transaction.atomic():
        conversation = Conversation.objects.create(
            kind=kind, title=title, direct_key=key, created_by=creator
        )
        Membership.objects.bulk_create(
            [Membership(conversation=conversation, user=u) for u in [creator, *members]]
        )
        for member in members:
            publish(
                f"user:{member.pk}",
                "conversation.added",
                {"conversation": conversation.pk, "by": _person(creator)},
            )
    return conversation


# --- messages --------------------------------------------------------------------------


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
        message_id, seq, away_ids = await storage.astore_message(prepared)
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
    return _clean_body(body)


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
    """PostgreSQL: the same effects as the ORM path, in one round trip (community.storage)."""
    now = timezone.now()
    prepared = _prepared(out, now)
    # One statement is atomic by itself: a transaction (two more round trips) only when
    # there are notices to store with it, or a savepoint inside the caller's transaction.
    needs_transaction = bool(out.away_ids) or connection.in_atomic_block
    with transaction.atomic() if needs_transaction else contextlib.nullcontext():
        message_id, seq = storage.store_message(prepared)
        publish_stored(prepared, message_id, seq)
        message = out.message(seq, now, pk=message_id)
        out.tell_those_away(message)
    return message


def _prepared(out: Outgoing, now: datetime, watching: set[int] | None = None) -> log.Prepared:
    """The message and its ``message.created`` event, ready for ``community.storage``."""
    data = message_data(out.message(0, now, pk=0), out.sender)
    del data["id"]  # the database gives it
    return storage.prepare(
        topic=out.conversation.topic,
        conversation_id=out.conversation.pk,
        sender_id=out.sender.pk,
        client_id=out.client_id,
        body=out.body,
        html=out.html,
        now=now,
        data=data,
        watching=watching,
    )


def _sent_before(sender: User, client_id: str, conversation_id: int) -> Message | None:
    existing = Message.objects.filter(sender=sender, client_id=client_id).first()
    if existing is not None and existing.conversation_id != conversation_id:
        raise Conflict("this client id was used for another conversation", code="client_id_reused")
    return existing


def _check_direct_partner(
    user: User, conversation: Conversation, others: list[User] | None = None
) -> None:
    """In a direct conversation the messaging rules apply to every send and signal (a block
    made after it started ends it); a group is checked when it is made."""
    if conversation.kind != Conversation.Kind.DIRECT:
        return
    if others is None:
        others = list(
            User.objects.filter(dm_memberships__conversation=conversation).exclude(pk=user.pk)
        )
    for other in others:
        check_can_message(user, other)


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


def message_data(message: Message, sender: User) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "sender": _person(sender),
        "client_id": message.client_id,
        "html": message.html,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "deleted": message.deleted_at is not None,
    }


def _own_message(user: User, message_id: int) -> Message:
    message = Message.objects.select_related("conversation").filter(pk=message_id).first()
    if (
        message is None
        or not Membership.objects.filter(
            conversation_id=message.conversation_id, user=user
        ).exists()
    ):
        raise NotFound("no such message")
    if message.sender_id != user.pk:
        raise Forbidden("you can change your own messages only")
    if message.deleted_at is not None:
        raise Conflict("this message was deleted", code="deleted")
    return message


def edit_message(user: User, message_id: int, body: str) -> tuple[Message, int]:
    body = _clean_body(body)
    message = _own_message(user, message_id)
    window = timedelta(seconds=settings.DM_EDIT_WINDOW_SECONDS)
    if timezone.now() - message.created_at > window:
        raise Forbidden("messages can be edited for a short while only", code="edit_window_passed")
    with transaction.atomic():
        message.body, message.html, message.edited_at = body, render_markdown(body), timezone.now()
        message.save(update_fields=["body", "html", "edited_at"])
        # Every copy shows the message as it is now, not the words the author replaced.
        withdraw([source_key("message", message.pk)], gone=False, current={"html": message.html})
        seq = publish(
            message.conversation.topic,
            "message.edited",
            {"id": message.pk, "conversation": message.conversation_id, "html": message.html,
             "edited_at": message.edited_at},
        )  # fmt: skip
    assert seq is not None
    return message, seq


def delete_message(user: User, message_id: int) -> tuple[Message, int]:
    message = _own_message(user, message_id)
    with transaction.atomic():
        message.body, message.html, message.deleted_at = "", "", timezone.now()
        message.save(update_fields=["body", "html", "deleted_at"])
        withdraw([source_key("message", message.pk)], gone=True)
        log.redact(message.conversation.topic, ("message.created",), message.pk, {"deleted": True})
        seq = publish(
            message.conversation.topic,
            "message.deleted",
            {"id": message.pk, "conversation": message.conversation_id,
             "deleted_at": message.deleted_at},
        )  # fmt: skip
    assert seq is not None
    return message, seq


def mark_read(user: User, conversation_id: int, seq: int) -> int:
    """Move the read position forward (never back). Others in the conversation see a read
    receipt unless the reader turned receipts off."""
    membership = membership_or_404(user, conversation_id)
    with transaction.atomic():
        seq = min(seq, log.latest_seq(membership.conversation.topic))  # not past the end
        moved = Membership.objects.filter(pk=membership.pk, last_read_seq__lt=seq).update(
            last_read_seq=seq
        )
        if moved and shares_read_receipts(user):
            publish(
                membership.conversation.topic,
                "read.updated",
                {"conversation": conversation_id, "user_id": user.pk, "seq": seq},
            )
    return max(seq, membership.last_read_seq)


def shares_read_receipts(user: User) -> bool:
    saved = MessagingSettings.objects.filter(user=user).first()
    return saved is None or saved.share_read_receipts


def signal_typing(user: User, conversation_id: int) -> None:
    membership = membership_or_404(user, conversation_id)
    _check_direct_partner(user, membership.conversation)
    publish(
        membership.conversation.topic,
        "typing.started",
        {"conversation": conversation_id, "user_id": user.pk},
        echo_to=user.pk,
    )


# --- reading ---------------------------------------------------------------------------


def history(user: User, conversation_id: int, before: int | None, limit: int) -> list[Message]:
    """Messages newest first, older than the ``before`` seq (the cursor)."""
    membership_or_404(user, conversation_id)
    messages = Message.objects.filter(conversation_id=conversation_id).select_related("sender")
    if before is not None:
        messages = messages.filter(seq__lt=before)
    return list(messages.order_by("-seq")[:limit])


def conversations_of(user: User) -> list[dict[str, Any]]:
    """The user's conversations, most recent first, with members and unread counts."""
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("conversation")
        .order_by(F("conversation__last_message_at").desc(nulls_last=True), "-conversation_id")
    )
    ids = [m.conversation_id for m in memberships]
    unread = dict(
        Message.objects.filter(conversation_id__in=ids, deleted_at__isnull=True)
        .exclude(sender=user)
        .filter(
            seq__gt=Subquery(
                Membership.objects.filter(
                    conversation_id=OuterRef("conversation_id"), user=user
                ).values("last_read_seq")[:1]
            )
        )
        .values("conversation_id")
        .annotate(n=Count("id"))
        .values_list("conversation_id", "n")
    )
    people: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for member in Membership.objects.filter(conversation_id__in=ids).select_related("user"):
        people[member.conversation_id].append(
            {**_person(member.user), "last_read_seq": _visible_read_seq(member)}
        )
    return [
        {
            "id": m.conversation_id,
            "kind": m.conversation.kind,
            "title": m.conversation.title,
            "members": people[m.conversation_id],
            "unread": unread.get(m.conversation_id, 0),
            "last_read_seq": m.last_read_seq,
            "last_message_at": m.conversation.last_message_at,
        }
        for m in memberships
    ]


def _visible_read_seq(member: Membership) -> int | None:
    return member.last_read_seq if shares_read_receipts(member.user) else None


def unread_total(user: User) -> int:
    return sum(c["unread"] for c in conversations_of(user))


# --- blocks and settings ------------------------------------------------------------------


def block(user: User, target_id: int) -> Block:
    target = User.objects.filter(pk=target_id).first()
    if target is None:
        raise NotFound("no such user")
    if target.pk == user.pk:
        raise ServiceError("you cannot block yourself", code="invalid_field")
    with transaction.atomic():
        found, made = Block.objects.get_or_create(blocker=user, blocked=target)
        if made:
            # Sockets of the blocked member already following a direct conversation with
            # the blocker stop getting their presence, typing and receipts at once.
            shared = Conversation.objects.filter(
                kind=Conversation.Kind.DIRECT, memberships__user=user
            ).filter(memberships__user=target)
            for conversation in shared:
                recheck_followers(conversation.topic)
    return found


def unblock(user: User, target_id: int) -> None:
    Block.objects.filter(blocker=user, blocked_id=target_id).delete()


def update_messaging_settings(user: User, **fields: bool) -> MessagingSettings:
    with transaction.atomic():
        saved, _ = MessagingSettings.objects.get_or_create(user=user)
        for name, value in fields.items():
            setattr(saved, name, value)
        saved.save()
        if "share_read_receipts" in fields:
            narrow_rights([user.pk])  # open conversations show this member's presence or not
    return saved


CONTACT_QUERY_MIN = 3


def contacts(user: User, query: str, limit: int = 20) -> list[User]:
    """People the user may message whose display name contains ``query``.

    Never an e-mail address (who owns an address is not anyone's business), and at least
    ``CONTACT_QUERY_MIN`` characters of a name: a letter or two would list the members.
    """
    query = " ".join(query.split())
    if len(query) < CONTACT_QUERY_MIN:
        raise ServiceError(
            f"type at least {CONTACT_QUERY_MIN} characters of a name", code="query_too_short"
        )
    candidates = User.objects.filter(is_active=True, display_name__icontains=query).exclude(
        pk=user.pk
    )
    found = []
    for candidate in candidates.order_by("display_name")[: limit * 5]:
        try:
            check_can_message(user, candidate)
        except Forbidden:
            continue
        found.append(candidate)
        if len(found) == limit:
            break
    return found
