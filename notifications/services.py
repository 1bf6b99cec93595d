"""Personal notifications: stored, then delivered live on ``user:{id}``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.errors import ServiceError
from accounts.models import User
from notifications.kinds import KINDS
from notifications.models import Notification, NotificationPreference
from realtime.publish import publish


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


def preference(user: User, kind: str) -> tuple[bool, bool]:
    """(in-app, email) for ``kind``: the user's choice, else the kind's default."""
    saved = NotificationPreference.objects.filter(user=user, kind=kind).first()
    if saved is not None:
        return saved.in_app, saved.email
    default = KINDS[kind]
    return default.in_app, default.email


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notify(
    user: User,
    kind: str,
    title: str,
    *,
    body: str = "",
    url: str = "",
    data: dict[str, Any] | None = None,
) -> Notification | None:
    """Store a notification (unless the user turned this kind off in-app) and send it live."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    in_app, _ = preference(user, kind)
    if not in_app:
        return None
    with transaction.atomic(savepoint=False):
        note = Notification.objects.create(
            user=user, kind=kind, title=title[:200], body=body[:500], url=url[:200], data=data or {}
        )
        publish(user_topic(user.pk), "notification.created", serialize(note))
    return note


def serialize(note: Notification) -> dict[str, Any]:
    return {
        "id": note.pk,
        "kind": note.kind,
        "title": note.title,
        "body": note.body,
        "url": note.url,
        "data": note.data,
        "created_at": note.created_at,
        "read_at": note.read_at,
    }


def mark_read(user: User, ids: list[int] | None) -> int:
    """Mark the given notifications (or all, with None) read; return the unread count."""
    with transaction.atomic():
        unread = Notification.objects.filter(user=user, read_at__isnull=True)
        if ids is not None:
            unread = unread.filter(pk__in=ids)
        marked = list(unread.values_list("pk", flat=True))
        unread.update(read_at=timezone.now())
        remaining = unread_count(user)
        if marked:
            publish(
                user_topic(user.pk), "notification.read", {"ids": marked, "unread_count": remaining}
            )
    return remaining


def set_preference(user: User, kind: str, *, in_app: bool, email: bool) -> NotificationPreference:
    if kind not in KINDS:
        raise ServiceError(f"unknown notification kind {kind!r}", code="invalid_field")
    saved, _ = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"in_app": in_app, "email": email}
    )
    return saved
