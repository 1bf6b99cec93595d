"""Background jobs of the forum: closing temporal categories and topics when their time
is up, and announcing it to their followers."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from community.forum.shapes import category_shape, thread_shape
from community.models import Category, Thread
from realtime.publish import publish


@shared_task(ignore_result=True)
def close_ended_forum_windows() -> int:
    """Archive temporal categories and topics whose end has passed (every minute)."""
    return close_ended_windows()


def close_ended_windows(now: datetime | None = None) -> int:
    """Archive the categories and threads whose end has passed, and tell their followers.
    Posting is refused from the end on whether or not this has run (``is_open``)."""
    now = now or timezone.now()
    closed = 0
    for category in Category.objects.filter(ends_at__lte=now, archived_at__isnull=True):
        with transaction.atomic():
            if Category.objects.filter(pk=category.pk, archived_at__isnull=True).update(
                archived_at=now
            ):
                category.archived_at = now
                publish(
                    category.topic,
                    "category.updated",
                    {"category": category_shape(category, False), "change": "archived"},
                )
                closed += 1
    ended = Thread.objects.filter(
        ends_at__lte=now, archived_at__isnull=True, hidden_at__isnull=True, deleted_at__isnull=True
    ).select_related("category", "author__forum_profile")
    # Hidden and deleted topics are archived without a word: nobody but moderators sees them.
    Thread.objects.filter(ends_at__lte=now, archived_at__isnull=True).exclude(
        hidden_at__isnull=True, deleted_at__isnull=True
    ).update(archived_at=now)
    for thread in ended:
        with transaction.atomic():
            if Thread.objects.filter(pk=thread.pk, archived_at__isnull=True).update(
                archived_at=now
            ):
                thread.archived_at = now
                update = {
                    "thread": thread_shape(thread),
                    "change": "archived",
                    "hidden": thread.hidden_at is not None,
                    "deleted": thread.deleted_at is not None,
                }
                publish(thread.topic, "thread.updated", update)
                publish(thread.category.topic, "thread.updated", update)
                closed += 1
    return closed
