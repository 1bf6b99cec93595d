"""Care teams: who cares for which customer. Every change is audited; leaving one
narrows both sides' rights, on open sockets too."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.audit import record_access
from accounts.errors import Conflict, Forbidden, ServiceError
from accounts.models import User
from accounts.roles import CARE_ROLES, Role
from accounts.signals import narrow_rights
from advice.models import CareTeamMember
from advice.permissions import check_can_add_to_care_team, check_can_leave_care_team
from community.models import Block


def add_to_care_team(
    actor: User, customer: User, professional: User, *, door: str = "http"
) -> CareTeamMember:
    """Put ``professional`` in ``customer``'s care team. The customer sees it in their
    care team and their access log; no notification or mail goes out about it (a care
    relationship is health information)."""
    check_can_add_to_care_team(actor, professional.pk)
    if customer.role != Role.CUSTOMER or not customer.is_active:
        raise ServiceError("care teams belong to active customers", code="invalid_field")
    if professional.role not in CARE_ROLES:
        raise ServiceError(
            "only dietitians and medical providers join care teams", code="invalid_field"
        )
    if (
        actor.role != Role.ADMIN
        and Block.objects.filter(blocker=customer, blocked=professional).exists()
    ):
        raise Forbidden("this customer does not accept you", code="blocked")
    try:
        with transaction.atomic():
            member = CareTeamMember.objects.create(customer=customer, professional=professional)
            record_access(actor, [customer], "add", "care team", door)
            return member
    except IntegrityError:
        raise Conflict("already in this care team", code="already_member") from None


def remove_from_care_team(
    actor: User, customer_id: int, professional_id: int, *, door: str = "http"
) -> None:
    check_can_leave_care_team(actor, customer_id, professional_id)
    with transaction.atomic():
        removed, _ = CareTeamMember.objects.filter(
            customer_id=customer_id, professional_id=professional_id
        ).delete()
        if removed:
            record_access(actor, [customer_id], "remove", "care team", door)
            narrow_rights([customer_id, professional_id])
