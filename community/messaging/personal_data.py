"""What direct messaging keeps about a member.

In the download: the messages they wrote (their own words only: the others' messages are
the others'), the conversations they are in (no one else's words) and their settings.

On erasure: the messages they wrote stay for the others, by "a deleted member" (the
sender is resolved when shown, and the stored ``message.created`` and
``conversation.added`` events that named them now name the erased member). Their
settings go. They leave their group conversations; a direct conversation keeps both
members, so the other side still reads it, and nobody can write to an erased member
(an inactive account: ``permissions``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accounts.models import User
from accounts.personal_data import Part, Table, register
from community.messaging.sending import person
from community.models import Conversation, Membership, Message, MessagingSettings
from realtime.copies import rewrite


def export_messaging(user: User) -> list[Part]:
    memberships = (
        Membership.objects.filter(user=user).select_related("conversation").order_by("joined_at")
    )
    settings = MessagingSettings.objects.filter(user=user).first()
    return [
        Table(
            "conversations",
            [
                {
                    "id": m.conversation_id,
                    "kind": m.conversation.kind,
                    "title": m.conversation.title,
                    "started_by_me": m.conversation.created_by_id == user.pk,
                    "joined_at": m.joined_at,
                }
                for m in memberships
            ],
            columns=("id", "kind", "title", "started_by_me", "joined_at"),
        ),
        Table(
            "messages",
            [
                {
                    "id": m.pk,
                    "conversation": m.conversation_id,
                    "created_at": m.created_at,
                    "edited_at": m.edited_at,
                    "deleted_at": m.deleted_at,
                    "body": m.body,
                }
                for m in Message.objects.filter(sender=user).order_by("created_at", "id")
            ],
            columns=("id", "conversation", "created_at", "edited_at", "deleted_at", "body"),
        ),
        Table(
            "messaging-settings",
            [
                {
                    "accept_from_customers": settings.accept_from_customers,
                    "share_read_receipts": settings.share_read_receipts,
                }
            ]
            if settings is not None
            else [],
            columns=("accept_from_customers", "share_read_receipts"),
        ),
    ]


def erase_messaging(user: User) -> None:
    MessagingSettings.objects.filter(user=user).delete()
    Membership.objects.filter(user=user, conversation__kind=Conversation.Kind.GROUP).delete()
    shown = person(user)  # the erased member, as shown now

    def name_them(event: str, data: dict[str, Any]) -> dict[str, Any]:
        key = "sender" if event == "message.created" else "by"
        if data.get(key, {}).get("id") == user.pk:
            data[key] = {**data[key], "name": shown["name"]}
        return data

    rewrite(
        Q(type="message.created", data__sender__id=user.pk)
        | Q(type="conversation.added", data__by__id=user.pk),
        name_them,
    )


register(
    "community.messaging",
    models=(
        "community.Conversation",
        "community.Membership",
        "community.Message",
        "community.MessagingSettings",
    ),
    export=export_messaging,
    erase=erase_messaging,
    keeps="the messages they wrote (for the others), their direct conversations, and "
    "conversations they started (by id)",
)
