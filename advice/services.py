"""Care teams: who cares for which customer. A team forms when the customer and the
professional both agreed (``advice.requests``); an admin adds directly, as the platform's
operator. Every change is audited; leaving one narrows both sides' rights, on open
sockets too, and withdraws the handovers the leaving professional proposed for that
customer."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from accounts.audit import record_access
from accounts.models import Block, User
from accounts.roles import CARE_ROLES, Role
from accounts.signals import access_revoked, narrow_rights, rights_narrowed
from advice import notices
from advice.models import CareRequest, CareTeamMember
from advice.permissions import (
    check_can_add_to_care_team,
    check_can_leave_care_team,
    check_can_search_customers,
)
from core.errors import Conflict, Forbidden, ServiceError
from realtime.publish import publish_many


def add_to_care_team(
    actor: User, customer: User, professional: User, *, door: str = "http"
) -> CareTeamMember:
    """An admin puts ``professional`` in ``customer``'s care team directly (an act of the
    platform's operator, in the customer's access log under the admin's name). Both are
    told in the app (``care.added``, ``care.joined``); nothing is mailed (a care
    relationship is health information). Everyone else forms a team by agreement: a
    dietitian offers (``advice.requests.offer``), a customer asks."""
    check_can_add_to_care_team(actor, professional.pk)
    if actor.role != Role.ADMIN:
        raise Forbidden("a dietitian offers their care; the customer accepts")
    if customer.role != Role.CUSTOMER or not customer.is_active:
        raise ServiceError("care teams belong to active customers", code="invalid_field")
    if professional.role not in CARE_ROLES or not professional.is_active:
        raise ServiceError(
            "only active dietitians and medical providers join care teams", code="invalid_field"
        )
    with transaction.atomic():
        member = join_care_team(actor, customer, professional, door=door)
        notices.notify_added(customer, professional)
        return member


def join_care_team(
    actor: User, customer: User, professional: User, *, door: str = "http"
) -> CareTeamMember:
    """Put ``professional`` in ``customer``'s care team, in the customer's access log (409
    ``already_member`` if they are in it). The callers check who may, and tell people:
    ``add_to_care_team`` and a care request both sides agreed to (``advice.requests``)."""
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
        # The handovers first: their rows are locked before the team's, as accepting one
        # does (no deadlock with an acceptance at the same moment).
        withdraw_handovers([(customer_id, professional_id)])
        removed, _ = CareTeamMember.objects.filter(
            customer_id=customer_id, professional_id=professional_id
        ).delete()
        if removed:
            record_access(actor, [customer_id], "remove", "care team", door)
            narrow_rights([customer_id, professional_id], customer_id=customer_id)


def withdraw_handovers(pairs: list[tuple[int, int]]) -> int:
    """The pending handovers each (customer, professional) of ``pairs`` proposed are
    withdrawn: a professional no longer in a customer's care team hands them over to
    nobody. Returns how many."""
    if not pairs:
        return 0
    which = Q()
    for customer_id, professional_id in pairs:
        which |= Q(customer_id=customer_id, handed_over_by_id=professional_id)
    return CareRequest.objects.filter(
        which, kind=CareRequest.Kind.HANDOVER, status=CareRequest.Status.PENDING
    ).update(status=CareRequest.Status.WITHDRAWN, decided_at=timezone.now())


def withdraw_asking_of_former_dietitians(user_ids: list[int]) -> int:
    """Requests, offers and handovers waiting on or made by any of ``user_ids`` who is no
    longer an active dietitian are withdrawn: a customer agreed (or would agree) to a
    dietitian, not to whatever the account holds later. Returns how many."""
    former = list(
        User.objects.filter(pk__in=user_ids)
        .exclude(role=Role.DIETITIAN, is_active=True)
        .values_list("pk", flat=True)
    )
    if not former:
        return 0
    return CareRequest.objects.filter(
        Q(professional_id__in=former) | Q(handed_over_by_id__in=former),
        status=CareRequest.Status.PENDING,
    ).update(status=CareRequest.Status.WITHDRAWN, decided_at=timezone.now())


# As for a contact search: a letter or two of a name would list the members.
CUSTOMER_QUERY_MIN = 3
CUSTOMER_RESULTS = 20


def customers_to_take_into_care(actor: User, query: str) -> list[User]:
    """Active customers whose display name holds ``query`` (never matched on e-mail),
    at most ``CUSTOMER_RESULTS``: not already in ``actor``'s care and not blocking them
    (they could not be offered care)."""
    check_can_search_customers(actor)
    query = " ".join(query.split())
    if len(query) < CUSTOMER_QUERY_MIN:
        raise ServiceError(
            f"type at least {CUSTOMER_QUERY_MIN} characters of a name", code="query_too_short"
        )
    found = (
        User.objects.filter(role=Role.CUSTOMER, is_active=True, display_name__icontains=query)
        .exclude(care_team__professional=actor)
        .exclude(pk__in=Block.objects.filter(blocked=actor).values("blocker_id"))
        .order_by("display_name", "id")
    )
    return list(found[:CUSTOMER_RESULTS])


def care_relations(user: User) -> list[dict[str, Any]]:
    """For a customer, their care team; for a professional, the customers they care for
    (a read of those customers' data: each is in their access log)."""
    rows = list(
        CareTeamMember.objects.filter(Q(customer=user) | Q(professional=user)).select_related(
            "customer", "professional"
        )
    )
    cared_for = [r.customer_id for r in rows if r.professional_id == user.pk]
    record_access(user, cared_for, "list", "care team", "http")
    return [
        {
            "customer": {"id": r.customer_id, "name": r.customer.public_name()},
            "professional": {
                "id": r.professional_id,
                "name": r.professional.public_name(),
                "role": r.professional.role,
            },
            "since": r.since.isoformat(),
        }
        for r in rows
    ]


def end_care_of_former_professionals(user_ids: list[int]) -> None:
    """A care team holds dietitians and medical providers only: whoever of ``user_ids``
    is no longer one leaves every care team (their trust, such as passing a customer's
    block, ends with the role). Each customer's access log says so. What waits on a
    former dietitian (requests, offers, handovers) is withdrawn."""
    withdraw_asking_of_former_dietitians(user_ids)
    gone = list(
        CareTeamMember.objects.filter(professional_id__in=user_ids)
        .exclude(professional__role__in=CARE_ROLES)
        .values_list("pk", "customer_id", "professional_id")
    )
    if not gone:
        return
    withdraw_handovers([(customer, pro) for _, customer, pro in gone])
    CareTeamMember.objects.filter(pk__in=[pk for pk, _, _ in gone]).delete()
    for _, customer_id, professional_id in gone:
        record_access(None, [customer_id], "remove", f"care team (#{professional_id})", "task")
    narrow_rights([customer for _, customer, _ in gone] + [pro for _, _, pro in gone])


def tell_access_narrowed(customer_id: int, professional_ids: list[int]) -> None:
    """After the commit: each professional of ``professional_ids`` (the care team as it
    was, former members included) hears that what they may see of ``customer_id``
    narrowed, so their open care pages read again and drop what is refused now. The event
    carries no data, and goes to each one's own ``user:`` topic whatever their relation
    now (``tell_care_team`` reaches only those who may still see the customer)."""
    pros = User.objects.filter(
        pk__in=[pk for pk in professional_ids if pk != customer_id], role__in=CARE_ROLES
    ).values_list("pk", flat=True)
    data = {"customer": customer_id, "what": "access", "id": None}
    events = [(f"user:{pk}", "care.activity", data) for pk in sorted(pros)]
    if events:
        publish_many(events)


@receiver(rights_narrowed)
def _follow_role_changes(sender: Any, user_ids: list[int], **kwargs: Any) -> None:
    end_care_of_former_professionals(user_ids)


@receiver(rights_narrowed)
def _tell_care_pages(
    sender: Any, user_ids: list[int], customer_id: int | None = None, **kwargs: Any
) -> None:
    if customer_id is not None:
        tell_access_narrowed(customer_id, user_ids)


@receiver(access_revoked)
def _follow_deactivation(sender: Any, user_id: int, **kwargs: Any) -> None:
    """A deactivated dietitian's waiting offers and handovers, and requests to them, end
    (they would otherwise come back to life with the account)."""
    withdraw_asking_of_former_dietitians([user_id])
