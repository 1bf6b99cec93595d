"""Who a report counts, and who may read which reports.

Counted: customers (the role) whose consent to anonymised analytics stands now, their
account not erased or closed. A withdrawn consent drops the person from the next
computation: every report asks this again, and nothing computed keeps a person's row.

Readers: analysts and admins read platform-wide reports; a dietitian reads reports about
their own customers only (those in their care, consent to care standing, and counted as
above); anybody else reads none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from accounts.roles import Role
from advice.models import CareTeamMember
from core.errors import Forbidden
from profiles.models import Consent

PLATFORM_READERS = frozenset({Role.ANALYST, Role.ADMIN})


@dataclass(frozen=True)
class Scope:
    """Whose data a reader's reports cover: everyone counted, or a dietitian's customers."""

    reader_id: int
    dietitian_id: int | None = None

    @property
    def platform(self) -> bool:
        return self.dietitian_id is None


def scope_of(reader: User) -> Scope:
    """The reader's scope; 403 for a role that reads no reports."""
    if not reader.is_active:
        raise Forbidden("reports are for analysts, admins and dietitians")
    if reader.role in PLATFORM_READERS:
        return Scope(reader.pk)
    if reader.role == Role.DIETITIAN:
        return Scope(reader.pk, dietitian_id=reader.pk)
    raise Forbidden("reports are for analysts, admins and dietitians")


def _standing(purpose: str) -> Exists:
    return Exists(
        Consent.objects.filter(customer=OuterRef("pk"), purpose=purpose, withdrawn_at__isnull=True)
    )


def counted(scope: Scope) -> QuerySet[User]:
    """The customers a report in ``scope`` counts, as one query's condition."""
    people = User.objects.filter(role=Role.CUSTOMER, is_active=True, erased_at__isnull=True).filter(
        _standing(Consent.Purpose.ANALYTICS)
    )
    if scope.dietitian_id is not None:
        cared = CareTeamMember.objects.filter(professional_id=scope.dietitian_id)
        people = people.filter(pk__in=cared.values("customer_id")).filter(
            _standing(Consent.Purpose.CARE)
        )
    return people
