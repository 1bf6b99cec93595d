"""Plain helpers for the events tests. Fixtures are in conftest.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from events import services as events
from events.models import Event


def make_event(organiser, **fields: Any) -> Event:
    """An in-person event in Toronto three days from now, for two hours; ``fields`` change
    any of that."""
    start = timezone.now() + timedelta(days=3)
    values: dict[str, Any] = {
        "title": "Market walk",
        "kind": "in_person",
        "venue": "St. Lawrence Market",
        "region": "ca-on",
        "time_zone": "America/Toronto",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
    }
    values.update(fields)
    return events.create_event(organiser, **values)
