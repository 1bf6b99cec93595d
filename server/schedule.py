"""Periodic jobs: Celery beat runs them in production; embedded mode runs them in a thread
of the server process, so ``make run`` needs nothing else."""

from __future__ import annotations

import logging
import threading
from importlib import import_module

logger = logging.getLogger(__name__)

# (dotted task path, every so many seconds)
PERIODIC_JOBS: list[tuple[str, float]] = [
    ("realtime.tasks.prune_event_log", 3600.0),
    ("community.forum.tasks.close_ended_forum_windows", 60.0),
    ("events.tasks.send_event_reminders", 60.0),
    ("profiles.tasks.delete_expired_exports", 3600.0),
    ("advice.tasks.send_habit_reminder_notices", 60.0),
    ("advice.tasks.evaluate_goals", 3600.0),
    ("advice.tasks.evaluate_time_alert_rules", 3600.0),
    ("advice.tasks.send_alert_summaries", 900.0),
]


def beat_schedule() -> dict[str, dict[str, object]]:
    return {path: {"task": path, "schedule": every} for path, every in PERIODIC_JOBS}


def _run(path: str) -> None:
    from django.db import close_old_connections

    module, name = path.rsplit(".", 1)
    task = getattr(import_module(module), name)
    try:
        task.apply()
    except Exception:
        logger.exception("periodic job %s failed", path)
    finally:
        close_old_connections()


def start_in_process_scheduler() -> threading.Thread:
    """Run every periodic job at its interval in a daemon thread (embedded mode only)."""
    stop = threading.Event()

    def loop() -> None:
        elapsed: dict[str, float] = {path: 0.0 for path, _ in PERIODIC_JOBS}
        tick = 10.0
        while not stop.wait(tick):
            for path, every in PERIODIC_JOBS:
                elapsed[path] += tick
                if elapsed[path] >= every:
                    elapsed[path] = 0.0
                    _run(path)

    thread = threading.Thread(target=loop, name="periodic-jobs", daemon=True)
    thread.start()
    return thread
