"""Care requests: a customer asks a dietitian to take them on, or a dietitian hands a
customer in their care over to another; the dietitian asked accepts (the care team
forms) or declines with a reply; a pending request can be withdrawn.

Rules: the dietitian asked is an active dietitian; neither side blocks the other; the
customer is not in their care already; one pending request per customer and dietitian
(409 ``already_asked``); each member makes at most ``CARE_REQUESTS_PER_DAY``. Joining and
leaving a care team are audited in the customer's access log; a handover, once accepted,
takes the handing dietitian out of the team (``narrow_rights``: their open sockets on the
customer's health topic drop). Everyone concerned is told in the app, never by mail
(``advice.notices``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from accounts import limits
from accounts.audit import record_access
from accounts.models import Block, User
from accounts.regions import region_label
from accounts.roles import CARE_ROLES, Role
from accounts.signals import narrow_rights
from advice import notices
from advice.models import CareRequest, CareTeamMember
from advice.services import join_care_team
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from profiles.onboarding import note_dietitian_asked

DIETITIANS_SHOWN = 50
REQUESTS_SHOWN = 100


def _blocked(a: int, b: int) -> bool:
    return Block.objects.filter(
        Q(blocker_id=a, blocked_id=b) | Q(blocker_id=b, blocked_id=a)
    ).exists()


def _dietitian(professional_id: int, field: str) -> User:
    """An active dietitian, else 404 (any other account answers as nobody)."""
    found = User.objects.filter(
        pk=professional_id, role=Role.DIETITIAN, is_active=True, erased_at__isnull=True
    ).first()
    if found is None:
        raise NotFound("no such dietitian", field=field)
    return found


def _charge(actor: User) -> None:
    limits.charge(actor, "care_request", settings.CARE_REQUESTS_PER_DAY, 24 * 3600)


def _check_pair(customer: User, professional: User, field: str) -> None:
    if _blocked(customer.pk, professional.pk):
        raise Forbidden("this dietitian cannot take this customer on", code="blocked", field=field)
    if CareTeamMember.objects.filter(customer=customer, professional=professional).exists():
        raise Conflict("already in this care team", code="already_member", field=field)
    if CareRequest.objects.filter(
        customer=customer, professional=professional, status=CareRequest.Status.PENDING
    ).exists():
        raise Conflict("this dietitian was asked already", code="already_asked", field=field)


def _create(
    customer: User, professional: User, message: str, handed_over_by: User | None
) -> CareRequest:
    try:
        with transaction.atomic():
            return CareRequest.objects.create(
                customer=customer,
                professional=professional,
                handed_over_by=handed_over_by,
                message=message.strip(),
            )
    except IntegrityError:  # asked at the same moment by another request
        raise Conflict("this dietitian was asked already", code="already_asked") from None


def ask(customer: User, professional_id: int, message: str) -> CareRequest:
    """A customer asks a dietitian to take them on; the dietitian is told. Asking does the
    onboarding's dietitian step."""
    if customer.role != Role.CUSTOMER:
        raise Forbidden("customers ask a dietitian to take them on")
    _charge(customer)
    professional = _dietitian(professional_id, "professional_id")
    with transaction.atomic():
        _check_pair(customer, professional, "professional_id")
        request = _create(customer, professional, message, None)
        notices.notify_request(customer, professional, None)
        note_dietitian_asked(customer)
    return request


def hand_over(actor: User, customer_id: int, to_professional_id: int, message: str) -> CareRequest:
    """A dietitian asks another to take over the care of a customer of theirs; the other
    dietitian and the customer are told. The customer may withdraw it; once accepted, the
    handing dietitian leaves the care team."""
    if actor.role != Role.DIETITIAN:
        raise Forbidden("dietitians hand the customers in their care over")
    member = (
        CareTeamMember.objects.filter(customer_id=customer_id, professional=actor)
        .select_related("customer")
        .first()
    )
    if member is None:
        raise NotFound("no such customer in your care", field="customer_id")
    _charge(actor)
    if to_professional_id == actor.pk:
        raise ServiceError(
            "hand over to another dietitian", code="invalid_field", field="to_professional_id"
        )
    professional = _dietitian(to_professional_id, "to_professional_id")
    customer = member.customer
    with transaction.atomic():
        _check_pair(customer, professional, "to_professional_id")
        request = _create(customer, professional, message, actor)
        record_access(actor, [customer], "hand over", "care team", "http")
        notices.notify_request(customer, professional, actor)
        notices.notify_handover_proposed(customer, professional, actor)
    return request


def _pending(request_id: int, **whose: Any) -> CareRequest:
    request = (
        CareRequest.objects.select_for_update(of=("self",))
        .select_related("customer", "professional", "handed_over_by")
        .filter(Q(pk=request_id), **whose)
        .first()
    )
    if request is None:
        raise NotFound("no such care request")
    if request.status != CareRequest.Status.PENDING:
        raise Conflict(
            f"this request is {request.get_status_display().lower()} already",
            code="not_pending",
        )
    return request


def _decide(request: CareRequest, status: str, reply: str = "") -> None:
    request.status = status
    request.decided_at = timezone.now()
    request.reply = reply.strip()
    request.save(update_fields=["status", "decided_at", "reply"])


def accept(actor: User, request_id: int) -> CareRequest:
    """The dietitian asked takes the customer on: the care team forms (audited), both
    sides are told; after a handover the handing dietitian leaves the team."""
    if actor.role not in CARE_ROLES:
        raise NotFound("no such care request")
    with transaction.atomic():
        request = _pending(request_id, professional=actor)
        customer, handing = request.customer, request.handed_over_by
        if not customer.is_active or customer.role != Role.CUSTOMER:
            raise Conflict("this customer no longer takes part", code="not_pending")
        if _blocked(customer.pk, actor.pk):
            raise Forbidden("this customer does not accept you", code="blocked")
        if not CareTeamMember.objects.filter(customer=customer, professional=actor).exists():
            join_care_team(actor, customer, actor)
        _decide(request, CareRequest.Status.ACCEPTED)
        if handing is not None:
            left, _ = CareTeamMember.objects.filter(
                customer=customer, professional=handing
            ).delete()
            if left:
                record_access(handing, [customer], "remove", "care team (handed over)", "http")
                narrow_rights([customer.pk, handing.pk])
        notices.notify_accepted(customer, actor, handing)
    return request


def decline(actor: User, request_id: int, reply: str) -> CareRequest:
    """The dietitian asked declines, with a reply the customer reads."""
    with transaction.atomic():
        request = _pending(request_id, professional=actor)
        _decide(request, CareRequest.Status.DECLINED, reply)
        notices.notify_declined(request.customer, actor, request.handed_over_by)
    return request


def withdraw(actor: User, request_id: int) -> CareRequest:
    """The customer (or the dietitian who made a handover) takes a pending request back."""
    with transaction.atomic():
        request = _pending(request_id)
        if actor.pk not in (request.customer_id, request.handed_over_by_id):
            raise NotFound("no such care request")
        _decide(request, CareRequest.Status.WITHDRAWN)
    return request


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.public_name()}


def shape(request: CareRequest) -> dict[str, Any]:
    return {
        "id": request.pk,
        "customer": _person(request.customer),
        "professional": _person(request.professional),
        "handed_over_by": _person(request.handed_over_by),
        "message": request.message,
        "status": request.status,
        "created_at": request.created_at,
        "decided_at": request.decided_at,
        "reply": request.reply,
    }


def requests_of(user: User) -> list[dict[str, Any]]:
    """A customer's own requests; for a professional, those sent to them and the handovers
    they made (each customer shown is in their access log). Pending first, newest first."""
    if user.role == Role.CUSTOMER:
        found = CareRequest.objects.filter(customer=user)
    elif user.role in CARE_ROLES:
        found = CareRequest.objects.filter(Q(professional=user) | Q(handed_over_by=user))
    else:
        return []
    pending_first = Case(
        When(status=CareRequest.Status.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    rows = list(
        found.select_related("customer", "professional", "handed_over_by").order_by(
            pending_first, "-created_at", "-id"
        )[:REQUESTS_SHOWN]
    )
    if user.role in CARE_ROLES:
        record_access(user, sorted({r.customer_id for r in rows}), "list", "care requests", "http")
    return [shape(r) for r in rows]


def dietitians_for(user: User, region: str = "", query: str = "") -> list[dict[str, Any]]:
    """Active dietitians ``user`` may ask (or, for a dietitian, hand a customer over to):
    not themselves, neither side blocking the other, not already in a customer's care
    team; those of ``user``'s region first. ``query`` matches the display name (counts as
    a contact search)."""
    query = " ".join(query.split())
    if query:
        limits.charge(user, "contact_search", settings.CONTACT_SEARCHES_PER_MINUTE, 60)
    found = (
        User.objects.filter(role=Role.DIETITIAN, is_active=True, erased_at__isnull=True)
        .exclude(pk=user.pk)
        .exclude(pk__in=Block.objects.filter(blocker=user).values("blocked_id"))
        .exclude(pk__in=Block.objects.filter(blocked=user).values("blocker_id"))
        .exclude(care_customers__customer=user)
    )
    if region:
        found = found.filter(region=region)
    if query:
        found = found.filter(display_name__icontains=query)
    order: list[Any] = ["display_name", "id"]
    if user.region:
        order.insert(
            0,
            Case(
                When(region=user.region, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
    people = list(found.order_by(*order)[:DIETITIANS_SHOWN])
    asked = set(
        CareRequest.objects.filter(
            customer=user, professional__in=people, status=CareRequest.Status.PENDING
        ).values_list("professional_id", flat=True)
    )
    return [
        {
            "id": p.pk,
            "name": p.public_name(),
            "region": p.region,
            "region_label": region_label(p.region) if p.region else "",
            "fields": [],
            "asked": p.pk in asked,
        }
        for p in people
    ]
