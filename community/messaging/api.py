"""Direct messaging over HTTP; the same services as the ``dm.*`` WebSocket actions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts import limits
from accounts.models import Block, User
from accounts.permissions import acting_user, signed_in_user
from accounts.schemas import Input
from community.forum.api import CardField
from community.messaging import sending, services
from community.messaging.permissions import check_knows, membership_or_404
from community.messaging.schemas import (
    BlockIn,
    ContactOut,
    ConversationIn,
    ConversationOut,
    HistoryOut,
    MessageEditIn,
    MessageIn,
    MessageOut,
    ReadIn,
    ReadOut,
    SettingsIn,
    SettingsOut,
)
from community.messaging.sending import message_data
from community.models import Message, MessagingSettings
from profiles import cards

router = Router(tags=["messaging"])


def _message_out(message: Message) -> dict[str, Any]:
    return {**message_data(message, message.sender), "seq": message.seq, "body": message.body}


def _conversation_out(user: User, conversation_id: int) -> dict[str, Any]:
    return next(c for c in services.conversations_of(user) if c["id"] == conversation_id)


@router.get("/conversations", response=list[ConversationOut])
def list_conversations(request: HttpRequest) -> list[dict[str, Any]]:
    """My conversations, most recent first, with unread counts."""
    return services.conversations_of(signed_in_user(request))


@router.post("/conversations", response={201: ConversationOut})
def start_conversation(request: HttpRequest, payload: ConversationIn) -> Status[dict[str, Any]]:
    """One other member: the direct conversation with them (made once). More: a group.
    Every attempt counts toward ``CONVERSATIONS_PER_HOUR``, made or refused."""
    user = acting_user(request)
    limits.charge(user, "new_conversation", settings.CONVERSATIONS_PER_HOUR, 3600)
    conversation = services.start_conversation(user, payload.members, payload.title)
    return Status(201, _conversation_out(user, conversation.pk))


@router.get("/conversations/{conversation_id}", response=ConversationOut)
def get_conversation(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    user = signed_in_user(request)
    membership_or_404(user, conversation_id)
    return _conversation_out(user, conversation_id)


class HistoryQuery(Input):
    before: int | None = Field(default=None, ge=1, le=2**62, description="a seq: older than it")
    limit: int = Field(default=50, ge=1, le=200)


@router.get("/conversations/{conversation_id}/messages", response=HistoryOut)
def history(
    request: HttpRequest, conversation_id: int, query: Query[HistoryQuery]
) -> dict[str, Any]:
    """Newest first. Page back with ``before=next_before`` until it is null."""
    messages = services.history(signed_in_user(request), conversation_id, query.before, query.limit)
    next_before = messages[-1].seq if len(messages) == query.limit else None
    return {"items": [_message_out(m) for m in messages], "next_before": next_before}


@router.post("/conversations/{conversation_id}/messages", response={201: MessageOut})
def send_message(
    request: HttpRequest, conversation_id: int, payload: MessageIn
) -> Status[dict[str, Any]]:
    """Idempotent by ``client_id``: a retry returns the message stored the first time."""
    message = sending.send_direct_message(
        acting_user(request), conversation_id, payload.body, payload.client_id
    )
    return Status(201, _message_out(message))


@router.post("/conversations/{conversation_id}/read", response=ReadOut)
def mark_read(request: HttpRequest, conversation_id: int, payload: ReadIn) -> dict[str, int]:
    seq = services.mark_read(acting_user(request), conversation_id, payload.seq)
    return {"conversation": conversation_id, "seq": seq}


@router.patch("/messages/{message_id}", response=MessageOut)
def edit_message(request: HttpRequest, message_id: int, payload: MessageEditIn) -> dict[str, Any]:
    message, _ = services.edit_message(signed_in_user(request), message_id, payload.body)
    return _message_out(message)


@router.delete("/messages/{message_id}", response={204: None})
def delete_message(request: HttpRequest, message_id: int) -> Status[None]:
    services.delete_message(signed_in_user(request), message_id)
    return Status(204, None)


@router.get("/messaging/settings", response=SettingsOut)
def get_settings(request: HttpRequest) -> MessagingSettings:
    return (
        MessagingSettings.objects.filter(user=signed_in_user(request)).first()
        or MessagingSettings()
    )


@router.patch("/messaging/settings", response=SettingsOut)
def update_settings(request: HttpRequest, payload: SettingsIn) -> MessagingSettings:
    fields = payload.model_dump(exclude_none=True)
    return services.update_messaging_settings(signed_in_user(request), **fields)


@router.get("/messaging/contacts", response=list[ContactOut])
def contacts(request: HttpRequest, q: str = Query("", max_length=80)) -> list[dict[str, Any]]:
    """People I may message whose display name contains ``q`` (3 characters or more);
    ``CONTACT_SEARCHES_PER_MINUTE`` at most."""
    user = signed_in_user(request)
    limits.charge(user, "contact_search", settings.CONTACT_SEARCHES_PER_MINUTE, 60)
    found = services.contacts(user, q)
    return [{"id": u.pk, "name": u.public_name(), "role": u.role} for u in found]


@router.get("/blocks", response=list[ContactOut])
def list_blocks(request: HttpRequest) -> list[dict[str, Any]]:
    blocks = Block.objects.filter(blocker=signed_in_user(request)).select_related("blocked")
    return [
        {"id": b.blocked_id, "name": b.blocked.public_name(), "role": b.blocked.role}
        for b in blocks
    ]


@router.post("/blocks", response={204: None})
def block(request: HttpRequest, payload: BlockIn) -> Status[None]:
    services.block(signed_in_user(request), payload.user_id)
    return Status(204, None)


@router.delete("/blocks/{user_id}", response={204: None})
def unblock(request: HttpRequest, user_id: int) -> Status[None]:
    services.unblock(signed_in_user(request), user_id)
    return Status(204, None)


class MemberCardOut(Schema):
    id: int
    name: str
    role: str
    fields: list[CardField] = Field(description="the display fields shown to the community")


@router.get("/users/{user_id}/card", response=MemberCardOut, tags=["profiles"])
def member_card(
    request: HttpRequest,
    user_id: int,
    locale: str = Query("", max_length=16, description="e.g. fr; the member's own if blank"),
) -> dict[str, Any]:
    """A member's community card (name, role, the display fields they show the
    community; in their access log when it shows any) for those who know them by id: who
    shares a conversation with them, either side of a care relationship, themselves.
    Anybody else: 404, as for an id that names nobody. ``HANDLE_SEARCHES_PER_MINUTE``."""
    user = signed_in_user(request)
    limits.charge(user, "profile_card", settings.HANDLE_SEARCHES_PER_MINUTE, 60)
    check_knows(user, user_id)
    return cards.card(user, user_id, locale=locale or None)
