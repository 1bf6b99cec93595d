"""The regions and time zones a member chooses from (``settings.REGIONS``; IANA zones)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import STAFF_ROLES


def regions() -> list[dict[str, str]]:
    """Every region a member may choose, as ``{code, label}``, in the settings' order."""
    return [{"code": code, "label": label} for code, label in settings.REGIONS]


def is_region(code: str) -> bool:
    return any(code == known for known, _ in settings.REGIONS)


def region_label(code: str) -> str:
    """The region's name ("Ontario"), the code itself for one no longer listed, or ""."""
    return dict(settings.REGIONS).get(code, code)


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1)
def time_zone_choices() -> tuple[str, ...]:
    """The IANA zones a member picks from: by area and city ("America/Toronto"), plus
    UTC; the old aliases ("US/Eastern", "EST5EDT") stay valid but are not offered."""
    offered = {z for z in time_zones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))}
    old_names = ("US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
    return ("UTC", *sorted(z for z in offered if not z.startswith(old_names)))


def region_change_allowed_from(user: User) -> datetime | None:
    """When ``user`` may next choose another region themselves, or None if they may now
    (the first choice is free, staff are not limited; ``REGION_CHANGE_DAYS``)."""
    if user.region_changed_at is None or user.role in STAFF_ROLES:
        return None
    allowed = user.region_changed_at + timedelta(days=settings.REGION_CHANGE_DAYS)
    return allowed if allowed > timezone.now() else None
