"""Who sees which field of a customer's profile and health record, on every door.

The one rule: the customer sees everything of their own; a dietitian or medical provider
in their care team sees what has the audience ``care_team`` or ``community``, and only
while the customer's consent to care stands; anybody else, staff included, sees only the
display fields (never a medical value) the customer put on their community profile.
Every door (HTTP, socket, profile cards, e-mail, exports, analytics, the admin) asks
``relation_to`` and ``can_see``; every read by someone else is audited by the caller.
"""

from __future__ import annotations

import enum

from accounts.models import User
from accounts.roles import CARE_ROLES
from core.errors import Forbidden, NotFound
from profiles.access import care_team_of, cared_for_by
from profiles.models import AUDIENCE_RANK, Audience, Consent


class Relation(enum.IntEnum):
    """What the viewer is to the customer, narrowest first."""

    OTHER = 0  # anyone else: other customers, moderators, admins, a former professional
    CARE = 1  # a professional in the care team, with the customer's consent to care
    SELF = 2


def has_consent(customer_id: int, purpose: str) -> bool:
    return Consent.objects.filter(
        customer_id=customer_id, purpose=purpose, withdrawn_at__isnull=True
    ).exists()


def relation_to(viewer: User, customer: User | int) -> Relation:
    customer_id = customer if isinstance(customer, int) else customer.pk
    if viewer.pk == customer_id:
        return Relation.SELF
    if (
        viewer.is_active
        and viewer.role in CARE_ROLES
        and viewer.pk in care_team_of(customer_id)
        and has_consent(customer_id, Consent.Purpose.CARE)
    ):
        return Relation.CARE
    return Relation.OTHER


def customers_in_care(professional: User, customer_ids: list[int]) -> set[int]:
    """Those of ``customer_ids`` whose shared data ``professional`` may see now: in their
    care, with consent to care standing. One query each, however many customers."""
    if not professional.is_active or professional.role not in CARE_ROLES:
        return set()
    cared = cared_for_by(professional.pk, customer_ids)
    return set(
        Consent.objects.filter(
            customer_id__in=cared, purpose=Consent.Purpose.CARE, withdrawn_at__isnull=True
        ).values_list("customer_id", flat=True)
    )


def audiences_for(relation: Relation) -> set[str]:
    """The audiences a viewer in ``relation`` may see."""
    if relation is Relation.SELF:
        return set(Audience.values)
    if relation is Relation.CARE:
        return {Audience.CARE_TEAM, Audience.COMMUNITY}
    return {Audience.COMMUNITY}


def can_see(relation: Relation, audience: str, *, display_field: bool = False) -> bool:
    """Whether a viewer in ``relation`` sees a field with ``audience``. ``community`` is
    honoured only on display fields: a medical value never reaches the community."""
    if audience == Audience.COMMUNITY and not display_field:
        audience = Audience.CARE_TEAM
    return audience in audiences_for(relation)


def narrower(a: str, b: str) -> bool:
    """Whether audience ``a`` is narrower than ``b``."""
    return AUDIENCE_RANK[Audience(a)] < AUDIENCE_RANK[Audience(b)]


def check_can_read_record(viewer: User, customer: User) -> Relation:
    """A customer's health record (results, the medical part of the profile) is read by
    the customer and their care team. Anybody else is told there is nothing to see, in
    the same words whether or not the customer exists."""
    relation = relation_to(viewer, customer)
    if relation is Relation.OTHER:
        raise NotFound("no such customer in your care")
    return relation


def check_can_write_record(viewer: User, customer: User) -> Relation:
    """Results are entered by the customer, or by a professional in their care team."""
    relation = relation_to(viewer, customer)
    if relation is Relation.OTHER:
        raise NotFound("no such customer in your care")
    return relation


def check_own_record(viewer: User, customer_id: int) -> None:
    """Consents, audiences, exports and erasure are the customer's own to change."""
    if viewer.pk != customer_id:
        raise Forbidden("only the customer changes this")
