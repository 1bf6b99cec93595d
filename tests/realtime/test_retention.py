from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from realtime import log
from realtime.models import LogEntry
from server.schedule import PERIODIC_JOBS, _run

pytestmark = pytest.mark.django_db


def test_the_periodic_prune_drops_old_events_and_old_cursors_get_resync(settings):
    settings.REALTIME_RETENTION_DAYS = 30
    with transaction.atomic():
        for i in range(3):
            log.append("dm:999", "typing.none", {"i": i})
    LogEntry.objects.filter(seq__lte=2).update(at=timezone.now() - timedelta(days=31))
    _run("realtime.tasks.prune_event_log")
    assert list(LogEntry.objects.filter(topic_id="dm:999").values_list("seq", flat=True)) == [3]
    assert log.read_after("dm:999", 0) is None  # too old: resync
    assert [e.seq for e in log.read_after("dm:999", 2) or []] == [3]


def test_the_prune_job_is_scheduled_in_both_modes():
    assert "realtime.tasks.prune_event_log" in settings.CELERY_BEAT_SCHEDULE
    assert ("realtime.tasks.prune_event_log", 3600.0) in PERIODIC_JOBS
