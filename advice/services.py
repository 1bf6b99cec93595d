from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.errors import Conflict, Forbidden, ServiceError
from accounts.models import User
from accounts.roles import CARE_ROLES, Role
from advice.models import CareTeamMember


def check_can_build_care_teams(actor: User) -> None:
    """Care teams carry trust (a care relationship passes a customer's block), so only
    admins make them; customers and professionals can leave one."""
    if actor.role != Role.ADMIN:
        raise Forbidden("only admins add to a care team")


def add_to_care_team(actor: User, customer: User, professional: User) -> CareTeamMember:
    check_can_build_care_teams(actor)
    if customer.role != Role.CUSTOMER:
        raise ServiceError("care teams belong to customers", code="invalid_field")
    if professional.role not in CARE_ROLES:
        raise ServiceError(
            "only dietitians and medical providers join care teams", code="invalid_field"
        )
    try:
        with transaction.atomic():
            return CareTeamMember.objects.create(customer=customer, professional=professional)
    except IntegrityError:
        raise Conflict("already in this care team", code="already_member") from None


def remove_from_care_team(actor: User, customer_id: int, professional_id: int) -> None:
    if actor.role != Role.ADMIN and actor.pk not in (customer_id, professional_id):
        raise Forbidden("you cannot change this care team")
    CareTeamMember.objects.filter(customer_id=customer_id, professional_id=professional_id).delete()
