"""Background jobs of profiles: building a member's download, and forgetting expired ones."""

from __future__ import annotations

from celery import shared_task

from profiles import exports


@shared_task(ignore_result=True)
def build_export(export_id: int) -> None:
    """Build the zip of a queued download (``profiles.exports.build``); safe to run twice."""
    exports.build(export_id)


@shared_task(ignore_result=True)
def delete_expired_exports() -> int:
    """Files of downloads past ``DATA_EXPORT_DAYS`` go (every hour)."""
    return exports.delete_expired()
