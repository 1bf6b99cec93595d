"""Advice on the real-time path: ``care.activity`` on a professional's own ``user:{id}``.

Something changed for a customer in their care (a check-in, a result, an alert, a goal, a
plan answered): the dashboard and the customer's page read again through the API, which
applies every audience and audits the read. Ephemeral, and no event carries a value, a
test, a note or a name: only the customer's id, what kind of thing changed and its id. It
goes only to the professionals who may see that customer's shared data now (in the care
team, consent to care standing), so a narrowed right needs no copy withdrawn.
"""

from __future__ import annotations

from typing import Literal

from accounts.models import User
from accounts.roles import CARE_ROLES
from profiles.access import care_team_of
from profiles.models import Consent
from realtime.publish import publish_many
from realtime.registry import EventSchema, registry

# "access": what the professional may see of this customer narrowed (consent to care
# withdrawn, the care team left, a test no longer shared): read again, and drop what the
# API no longer answers (sent by ``advice.services`` to the former care team too).
What = Literal["check_in", "result", "alert", "goal", "plan", "note", "access"]


class CareActivity(EventSchema):
    customer: int
    what: What
    # The id of the check-in, result, alert, goal, plan or note (read it through the API).
    id: int | None = None


registry.add_event("care.activity", CareActivity, ephemeral=True)


def watching(customer_id: int) -> list[int]:
    """The professionals who may see ``customer_id``'s shared data now."""
    team = care_team_of(customer_id)
    if not team:
        return []
    if not Consent.objects.filter(
        customer_id=customer_id, purpose=Consent.Purpose.CARE, withdrawn_at__isnull=True
    ).exists():
        return []
    return list(
        User.objects.filter(pk__in=team, is_active=True, role__in=CARE_ROLES).values_list(
            "pk", flat=True
        )
    )


def tell_care_team(customer_id: int, what: What, item_id: int | None = None) -> None:
    """After the commit (``publish`` waits for it): each professional who may see this
    customer's shared data hears that ``what`` changed. Call only for things the care team
    may see (a check-in shared with them, a result of a test they see)."""
    pros = watching(customer_id)
    if pros:
        data = {"customer": customer_id, "what": what, "id": item_id}
        publish_many([(f"user:{pk}", "care.activity", data) for pk in pros])
