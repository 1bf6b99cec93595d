"""Direct messaging: conversations, edits, reads, typing, history, blocks, settings and
contacts, with their rules. Sending a message is ``community.messaging.sending``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone

from accounts.models import Block, User
from accounts.signals import narrow_rights
from community.messaging.permissions import (
    blocks_between,
    check_can_message,
    membership_or_404,
)
from community.messaging.sending import clean_body, person
from community.models import Conversation, Membership, Message, MessagingSettings
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from core.text import render_markdown
from realtime import log
from realtime.copies import source_key, withdraw
from realtime.publish import publish, recheck_followers

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
                {"conversation": conversation.pk, "by": person(creator)},
            )
    return conversation


# --- messages --------------------------------------------------------------------------


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
    body = clean_body(body)
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
            {**person(member.user), "last_read_seq": _visible_read_seq(member)}
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
