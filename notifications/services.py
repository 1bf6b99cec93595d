"""Personal notifications: stored, then delivered live on ``user:{id}``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import User
from core.errors import ServiceError
from notifications.kinds import KINDS
from notifications.models import Notification, NotificationPreference
from realtime.copies import source_key, text_withdrawn, withdraw
from realtime.publish import publish, publish_many


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


def preference(user: User, kind: str) -> tuple[bool, bool]:
    """(in-app, email) for ``kind``: the user's choice, else the kind's default."""
    return preferences([user.pk], kind)[user.pk]


def preferences(user_ids: list[int], kind: str) -> dict[int, tuple[bool, bool]]:
    """(in-app, email) for ``kind`` for each user, in one query."""
    default = KINDS[kind]
    found = {
        user_id: (in_app, email)
        for user_id, in_app, email in NotificationPreference.objects.filter(
            user_id__in=user_ids, kind=kind
        ).values_list("user_id", "in_app", "email")
    }
    return {pk: found.get(pk, (default.in_app, default.email)) for pk in user_ids}


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
    source: str = "",
) -> Notification | None:
    """Store a notification (unless the user turned this kind off in-app) and send it live."""
    notes = notify_many([user.pk], kind, title, body=body, url=url, data=data, source=source)
    return notes[0] if notes else None


def notify_many(
    user_ids: list[int],
    kind: str,
    title: str,
    *,
    body: str = "",
    url: str = "",
    data: dict[str, Any] | None = None,
    source: str = "",
) -> list[Notification]:
    """The same notification for several users, stored in bulk, each sent on its own
    ``user:{id}``; users who turned the kind off in-app are skipped. ``source``: the member
    text it quotes or names ("post:17"), so the notice follows that text (realtime.copies)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    wanted = [pk for pk, (in_app, _) in preferences(user_ids, kind).items() if in_app]
    if not wanted:
        return []
    with transaction.atomic(savepoint=False):
        notes = Notification.objects.bulk_create(
            [
                Notification(
                    user_id=pk,
                    kind=kind,
                    title=title[:200],
                    body=body[:500],
                    url=url[:200],
                    data=data or {},
                    source=source,
                )
                for pk in sorted(wanted)  # topic rows are locked in this order: no deadlock
            ]
        )
        publish_many([(user_topic(n.user_id), "notification.created", serialize(n)) for n in notes])
    return notes


def retitle(source: str, title_of: Callable[[str, Any], str | None]) -> int:
    """Give every notice naming ``source`` the title ``title_of(kind, data)`` (None: it
    keeps its own), in its row and in its stored event on ``user:{id}`` (call in the
    transaction of the change that renames the source). Returns how many changed."""
    notes = Notification.objects.filter(source=source).values_list(
        "pk", "kind", "data", "title", "body"
    )
    again: dict[tuple[str, str], list[int]] = {}
    for pk, kind, data, old, body in notes:
        made = title_of(kind, data)
        new = old if made is None else made[:200]
        if new != old:
            again.setdefault((new, body), []).append(pk)
    for (new, body), ids in sorted(again.items()):
        Notification.objects.filter(pk__in=ids).update(title=new)
        withdraw(
            [source_key("notification", pk) for pk in ids],
            gone=False,
            current={"title": new, "body": body},
        )
    return sum(len(ids) for ids in again.values())


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


@receiver(text_withdrawn)
def follow_withdrawn_text(sender: Any, sources: list[str], gone: bool, **kwargs: Any) -> None:
    """Notices about text that was hidden or deleted are taken back (rows and stored
    events; open sockets are told); after an edit they keep their title and lose the
    excerpt of the words replaced."""
    notes = list(
        Notification.objects.filter(source__in=sources)
        .exclude(source="")
        .order_by("user_id", "id")
        .values_list("pk", "user_id", "title")
    )
    if not notes:
        return
    ids = [pk for pk, _, _ in notes]
    if not gone:
        Notification.objects.filter(pk__in=ids).update(body="")
        for pk, _, title in notes:  # each keeps its own title (which names no words)
            withdraw([source_key("notification", pk)], gone=False, current={"title": title})
        return
    withdraw([source_key("notification", pk) for pk in ids], gone=True)
    Notification.objects.filter(pk__in=ids).delete()
    by_user: dict[int, list[int]] = {}
    for pk, user_id, _ in notes:
        by_user.setdefault(user_id, []).append(pk)
    for user_id, ids in sorted(by_user.items()):
        remaining = Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
        publish(
            user_topic(user_id), "notification.withdrawn", {"ids": ids, "unread_count": remaining}
        )


def email_if_wanted(user_ids: list[int], kind: str, about: dict[str, int | str]) -> int:
    """Queue an email, once the transaction commits, to each of ``user_ids`` who wants
    ``kind`` by email. The queue holds ids, never words: ``about`` names what the mail is
    about by id (``{"event": 12}``; a word of a fixed set, like ``"reminder": "day"``, is
    allowed) and the kind's ``compose`` writes the mail when it is sent, from what is
    stored then. Returns how many were queued."""
    from notifications.tasks import email_notice  # the task module imports this one

    if KINDS[kind].compose is None:
        raise ValueError(f"{kind!r} is not mailed by email_notice")
    if not all(
        type(v) is int or (type(v) is str and v.isalnum() and len(v) <= 16) for v in about.values()
    ):
        raise ValueError("a queued mail holds ids, not words")
    wanted = [pk for pk, (_, by_email) in preferences(user_ids, kind).items() if by_email]
    for pk in wanted:

        def enqueue(user_id: int = pk) -> None:
            email_notice.delay(user_id, kind, about)

        # robust: a broker outage costs this email, never the change that caused it.
        transaction.on_commit(enqueue, robust=True)
    return len(wanted)
