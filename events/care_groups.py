"""Classes as groups a dietitian sends a care plan to (``advice.providers``): everyone
enrolled in a class the dietitian organises, or teaches (organises one of its sessions).
Advice then keeps only the members in the dietitian's care; the others are counted,
never named."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import User
from events.models import ClassSeries, Enrollment
from events.services import can_organise


def class_members(actor: User, series_id: int) -> tuple[str, list[int]] | None:
    """(the class's title, the ids of those enrolled), or None when ``actor`` neither
    organises nor teaches that class (or it does not exist): the same answer either way."""
    if not can_organise(actor):
        return None
    series = (
        ClassSeries.objects.filter(pk=series_id)
        .filter(Q(organiser=actor) | Q(sessions__organiser=actor))
        .values_list("title", flat=True)
        .first()
    )
    if series is None:
        return None
    enrolled = Enrollment.objects.filter(series_id=series_id).order_by("user_id")
    return series, list(enrolled.values_list("user_id", flat=True))
