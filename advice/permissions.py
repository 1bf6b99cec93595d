from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from accounts.models import User
from accounts.roles import Role
from advice.models import CareTeamMember
from core.errors import Forbidden


def in_care_relationship(a: User, b: User) -> bool:
    """Whether one is a professional in the other's care team."""
    return CareTeamMember.objects.filter(
        Q(customer=a, professional=b) | Q(customer=b, professional=a)
    ).exists()


def team_of(customer_id: int) -> set[int]:
    """The professionals in a customer's care team."""
    return set(
        CareTeamMember.objects.filter(customer_id=customer_id).values_list(
            "professional_id", flat=True
        )
    )


def cared_for(professional_id: int, customer_ids: Iterable[int]) -> set[int]:
    """Those of ``customer_ids`` in ``professional_id``'s care."""
    return set(
        CareTeamMember.objects.filter(
            professional_id=professional_id, customer_id__in=list(customer_ids)
        ).values_list("customer_id", flat=True)
    )


def check_can_add_to_care_team(actor: User, professional_id: int) -> None:
    """Care teams carry trust (a care relationship passes a customer's block, and opens
    the health record), so admins add to any of them directly, and a dietitian offers
    their own care only (the customer accepts, ``advice.requests.offer``). Checked before
    anything is looked up: a refusal tells nothing about the people named."""
    if actor.role == Role.ADMIN:
        return
    if actor.role == Role.DIETITIAN and actor.pk == professional_id:
        return
    raise Forbidden("admins add to care teams; a dietitian offers a customer their own care")


def check_can_leave_care_team(actor: User, customer_id: int, professional_id: int) -> None:
    """Admins, and either side of the relationship."""
    if actor.role != Role.ADMIN and actor.pk not in (customer_id, professional_id):
        raise Forbidden("you cannot change this care team")


def check_can_search_customers(actor: User) -> None:
    """Those who may offer a customer their care (or add one) look for one by name."""
    if actor.role not in (Role.DIETITIAN, Role.ADMIN):
        raise Forbidden("dietitians look for customers to offer their care to")
