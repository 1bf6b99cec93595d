"""Scheduled jobs of the real-time core."""

from __future__ import annotations

from celery import shared_task

from realtime import log


@shared_task(ignore_result=True)
def prune_event_log() -> int:
    """Drop durable events older than the retention; idempotent."""
    return log.prune()
