"""What notifications keep about a member: their notices and their preferences (both in
the download; both go on erasure), and, in other members' notices, their name in a
title ("New message from ...", "... asks you to take them into your care"), which
becomes the erased name. A notice names people only through its kind's title and the ids
in its ``data`` (``notifications.kinds.Kind.title``), so every such notice is found by
those ids."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from accounts.models import User
from accounts.names import public_names
from accounts.personal_data import Part, Table, register
from notifications.kinds import person_keys
from notifications.models import Notification, NotificationPreference
from notifications.topics import people_of, titled
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
    topic's log, ``realtime.personal_data``); notices of others that name them (under
    any key a kind's title names people by) are retitled, in the row and in its stored
    event on ``user:{id}``."""
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    keys = sorted(person_keys())
    if not keys:
        return
    naming = list(
        Notification.objects.filter(
            reduce(or_, (Q(**{f"data__{key}": user.pk}) for key in keys))
        ).values_list("pk", "kind", "title", "body", "data")
    )
    names = public_names(
        pk for _, kind, _, _, data in naming for pk in people_of(kind, data).values()
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
