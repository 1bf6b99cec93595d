from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.errors import Conflict, Forbidden, ServiceError
from accounts.models import User
from accounts.roles import CARE_ROLES, Role
from advice.models import CareTeamMember


def add_to_care_team(actor: User, customer: User, professional: User) -> CareTeamMember:
    """Admins build care teams; a dietitian may take a customer into their own care."""
    if actor.role != Role.ADMIN and not (
        actor.pk == professional.pk and actor.role == Role.DIETITIAN
    ):
        raise Forbidden("only admins, or the dietitian themselves, add to a care team")
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


def remove_from_care_team(actor: User, customer: User, professional: User) -> None:
    if actor.role != Role.ADMIN and actor.pk not in (customer.pk, professional.pk):
        raise Forbidden("you cannot change this care team")
    CareTeamMember.objects.filter(customer=customer, professional=professional).delete()
