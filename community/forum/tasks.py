"""Background jobs of the forum."""

from __future__ import annotations

from celery import shared_task

from community.forum.services import close_ended_windows


@shared_task(ignore_result=True)
def close_ended_forum_windows() -> int:
    """Archive temporal categories and topics whose end has passed (every minute)."""
    return close_ended_windows()
