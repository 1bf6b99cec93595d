"""What notifications keep about a member: their notices and their preferences (both in
the download; both go on erasure), and, in other members' notices, their name in a
title ("New message from ..."), which becomes the erased name."""

from __future__ import annotations

from accounts.models import User
from accounts.names import public_names
from accounts.personal_data import Part, Table, register
from notifications.models import Notification, NotificationPreference
from notifications.topics import titled
from realtime.copies import source_key, withdraw


def export_notifications(user: User) -> list[Part]:
    notices = Notification.objects.filter(user=user).order_by("id")
    return [
        Table(
            "notifications",
            [
                {
                    "id": n.pk,
                    "kind": n.kind,
                    "title": titled(n.kind, n.title, n.data, None),
                    "body": n.body,
                    "url": n.url,
                    "created_at": n.created_at,
                    "read_at": n.read_at,
                }
                for n in notices
            ],
            columns=("id", "kind", "title", "body", "url", "created_at", "read_at"),
        ),
        Table(
            "notification-preferences",
            [
                {"kind": p.kind, "in_app": p.in_app, "email": p.email}
                for p in NotificationPreference.objects.filter(user=user).order_by("kind")
            ],
            columns=("kind", "in_app", "email"),
        ),
    ]


def erase_notifications(user: User) -> None:
    """Their notices and preferences go (the events of their own topic go with the
    topic's log, ``realtime.personal_data``); notices of others that name them as the
    actor are retitled, in the row and in its stored event."""
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    names = public_names([user.pk])
    naming = Notification.objects.filter(data__actor=user.pk).values_list(
        "pk", "kind", "title", "body", "data"
    )
    for pk, kind, title, body, data in naming:
        new = titled(kind, title, data, names)[:200]
        if new != title:
            Notification.objects.filter(pk=pk).update(title=new)
            withdraw(
                [source_key("notification", pk)], gone=False, current={"title": new, "body": body}
            )


register(
    "notifications",
    models=("notifications.Notification", "notifications.NotificationPreference"),
    export=export_notifications,
    erase=erase_notifications,
)
