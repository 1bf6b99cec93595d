"""Who may see an event or a class: one rule for every door (the listing, an event and its
calendar file, RSVPs, a class, its sessions and enrolment).

A virtual event with a region, and every session of a class that is not general wellness
education, are for the customers of that region; care professionals and staff see them
all. An in-person event's region says where it is, not who may come: anyone may read it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.roles import Role
from core.errors import NotFound
from events.models import ClassSeries, Event


def audience_region(event: Event) -> str:
    """The region an event is for, or "" when it is for everyone. A class session carries
    its class's region (blank for wellness education)."""
    if event.kind == Event.Kind.VIRTUAL or event.series_id is not None:
        return event.region
    return ""


def can_see_event(user: User, event: Event) -> bool:
    region = audience_region(event)
    return not region or user.role != Role.CUSTOMER or user.region == region


def check_can_see_event(user: User, event: Event) -> None:
    """Outsiders learn nothing, not even that the event exists."""
    if not can_see_event(user, event):
        raise NotFound("no such event")


def filter_visible_events(user: User, events: QuerySet[Event]) -> QuerySet[Event]:
    if user.role != Role.CUSTOMER:
        return events
    audience = Q(region="") | Q(kind=Event.Kind.IN_PERSON, series__isnull=True)
    if user.region:
        audience |= Q(region=user.region)
    return events.filter(audience)


def can_see_series(user: User, series: ClassSeries) -> bool:
    return series.wellness_education or user.role != Role.CUSTOMER or series.region == user.region


def check_can_see_series(user: User, series: ClassSeries) -> None:
    if not can_see_series(user, series):
        raise NotFound("no such class")


def filter_visible_series(user: User, series: QuerySet[ClassSeries]) -> QuerySet[ClassSeries]:
    if user.role != Role.CUSTOMER:
        return series
    return series.filter(Q(wellness_education=True) | Q(region=user.region))
