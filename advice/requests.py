"""Care requests: a care team forms only when the customer and the professional both
agreed. Three kinds (``CareRequest.Kind``):

- ``request``: a customer asks a dietitian to take them on (the customer agreed by
  asking); the dietitian accepts or declines.
- ``offer``: a dietitian offers a customer their care (the dietitian agreed by
  offering); the customer accepts or declines. Until then the dietitian is in no care
  team and sees nothing of the customer's health data.
- ``handover``: a dietitian in a customer's care team hands them over to another; the
  other dietitian and the customer each accept, in either order, and when both have,
  the other joins and the handing dietitian leaves (``narrow_rights``: their open
  sockets on the customer's health topic drop). A handover lives only while the handing
  dietitian is in the team: leaving it withdraws it (``advice.services``), and every
  acceptance checks it again.

``accept`` and ``decline`` are for a side still to agree, ``withdraw`` for one that
agreed (the handing dietitian included). Whoever is not a party to a request gets 404,
whatever its state.

Rules: the dietitian is an active dietitian; neither side blocks the other; the customer
is not in their care already; one pending request per customer and dietitian (409
``already_asked``); each member makes at most ``CARE_REQUESTS_PER_DAY`` requests and
handovers. A handover's refusals tell the handing dietitian nothing about the
customer's blocks or team (one 409 ``cannot_hand_over``). Joining and leaving a care
team are audited in the customer's access log. Everyone concerned is told in the app,
never by mail (``advice.notices``).
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
from advice.services import join_care_team, withdraw_handovers
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


def _in_team(customer_id: int, professional_id: int) -> bool:
    return CareTeamMember.objects.filter(
        customer_id=customer_id, professional_id=professional_id
    ).exists()


def _pending_between(customer_id: int, professional_id: int) -> bool:
    return CareRequest.objects.filter(
        customer_id=customer_id,
        professional_id=professional_id,
        status=CareRequest.Status.PENDING,
    ).exists()


def _check_pair(customer: User, professional: User, field: str) -> None:
    if _blocked(customer.pk, professional.pk):
        raise Forbidden("this dietitian cannot take this customer on", code="blocked", field=field)
    if _in_team(customer.pk, professional.pk):
        raise Conflict("already in this care team", code="already_member", field=field)
    if _pending_between(customer.pk, professional.pk):
        raise Conflict(
            "a care request between them is waiting already", code="already_asked", field=field
        )


def _create(
    kind: str,
    customer: User,
    professional: User,
    message: str,
    handed_over_by: User | None = None,
) -> CareRequest:
    """The request, with the agreement its maker gives by making it."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return CareRequest.objects.create(
                kind=kind,
                customer=customer,
                professional=professional,
                handed_over_by=handed_over_by,
                customer_agreed_at=now if kind == CareRequest.Kind.REQUEST else None,
                professional_agreed_at=now if kind == CareRequest.Kind.OFFER else None,
                message=message.strip(),
            )
    except IntegrityError:  # asked at the same moment by another request
        raise Conflict(
            "a care request between them is waiting already", code="already_asked"
        ) from None


def ask(customer: User, professional_id: int, message: str) -> CareRequest:
    """A customer asks a dietitian to take them on; the dietitian is told. Asking does the
    onboarding's dietitian step."""
    if customer.role != Role.CUSTOMER:
        raise Forbidden("customers ask a dietitian to take them on")
    _charge(customer)
    professional = _dietitian(professional_id, "professional_id")
    with transaction.atomic():
        _check_pair(customer, professional, "professional_id")
        request = _create(CareRequest.Kind.REQUEST, customer, professional, message)
        notices.notify_asked(request)
        note_dietitian_asked(customer)
    return request


def offer(actor: User, customer: User, message: str = "", *, door: str = "http") -> CareRequest:
    """A dietitian offers ``customer`` their care; the customer is told and accepts or
    declines. The offer is in the customer's access log (``offer``, ``care team``).
    Someone who is not an active customer answers as nobody (404)."""
    if actor.role != Role.DIETITIAN:
        raise Forbidden("dietitians offer customers their care")
    # A customer who blocks the dietitian answers as nobody too: a block is not told.
    if (
        customer.role != Role.CUSTOMER
        or not customer.is_active
        or Block.objects.filter(blocker=customer, blocked=actor).exists()
    ):
        raise NotFound("no such user")
    with transaction.atomic():
        _check_pair(customer, actor, "customer_id")
        request = _create(CareRequest.Kind.OFFER, customer, actor, message)
        record_access(actor, [customer], "offer", "care team", door)
        notices.notify_asked(request)
    return request


def hand_over(actor: User, customer_id: int, to_professional_id: int, message: str) -> CareRequest:
    """A dietitian asks another to take over the care of a customer of theirs; the other
    dietitian and the customer are told, and each accepts or declines. Whatever stands in
    the way on the customer's side (a block, the other already in the team or asked) is
    one neutral 409 ``cannot_hand_over``: a handover tells the handing dietitian nothing
    about the customer's blocks or team."""
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
    refused = Conflict(
        "this customer cannot be handed over to this dietitian",
        code="cannot_hand_over",
        field="to_professional_id",
    )
    with transaction.atomic():
        if (
            _blocked(customer.pk, professional.pk)
            or _in_team(customer.pk, professional.pk)
            or _pending_between(customer.pk, professional.pk)
        ):
            raise refused
        try:
            request = _create(
                CareRequest.Kind.HANDOVER, customer, professional, message, handed_over_by=actor
            )
        except Conflict:
            raise refused from None
        record_access(actor, [customer], "hand over", "care team", "http")
        notices.notify_asked(request)
    return request


def _pending(request_id: int, actor: User) -> tuple[CareRequest, str]:
    """The request ``request_id`` if ``actor`` is a party to it, locked, with their side
    (``customer``, ``professional`` or ``handing``); anyone else gets 404 whatever its
    state. 409 ``not_pending`` once answered or withdrawn."""
    request = (
        CareRequest.objects.select_for_update(of=("self",))
        .select_related("customer", "professional", "handed_over_by")
        .filter(Q(customer=actor) | Q(professional=actor) | Q(handed_over_by=actor))
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound("no such care request")
    if request.status != CareRequest.Status.PENDING:
        raise Conflict(
            f"this request is {request.get_status_display().lower()} already",
            code="not_pending",
        )
    if request.customer_id == actor.pk:
        side = "customer"
    elif request.professional_id == actor.pk:
        side = "professional"
    else:
        side = "handing"
    return request, side


def _decide(request: CareRequest, status: str, reply: str = "") -> None:
    request.status = status
    request.decided_at = timezone.now()
    request.reply = reply.strip()
    request.save(update_fields=["status", "decided_at", "reply"])


def _still_to_agree(request: CareRequest, side: str) -> None:
    if side not in request.waiting_for:
        raise Conflict(
            "you agreed already: it waits for the other side (withdraw it to take it back)",
            code="agreed_already",
        )


def accept(actor: User, request_id: int) -> CareRequest:
    """The side still to agree agrees. When both have, the care team forms (audited:
    the professional joins), everyone concerned is told, and after a handover the
    handing dietitian leaves the team. A customer accepting an offer does the
    onboarding's dietitian step, as asking a dietitian does."""
    with transaction.atomic():
        request, side = _pending(request_id, actor)
        _still_to_agree(request, side)
        customer, professional, handing = (
            request.customer,
            request.professional,
            request.handed_over_by,
        )
        if not customer.is_active or customer.role != Role.CUSTOMER:
            raise Conflict("this customer no longer takes part", code="not_pending")
        if not professional.is_active or professional.role != Role.DIETITIAN:
            raise Conflict("this dietitian no longer takes part", code="not_pending")
        if request.kind == CareRequest.Kind.HANDOVER and (
            handing is None
            # Locked: the handing dietitian cannot leave while this is decided.
            or not CareTeamMember.objects.select_for_update()
            .filter(customer=customer, professional=handing)
            .values_list("pk", flat=True)
            .first()
        ):
            # Withdrawn when the handing dietitian left; checked again here all the same.
            raise Conflict("this handover is withdrawn", code="not_pending")
        if _blocked(customer.pk, professional.pk):
            raise Forbidden("one of you blocks the other", code="blocked")
        now = timezone.now()
        if side == "customer":
            request.customer_agreed_at = now
        else:
            request.professional_agreed_at = now
        request.save(update_fields=["customer_agreed_at", "professional_agreed_at"])
        if not request.waiting_for:
            _form_team(request)
        notices.mark_answered(request, actor)
        if side == "customer" and request.kind == CareRequest.Kind.OFFER:
            note_dietitian_asked(customer)  # as asking one does
    return request


def _form_team(request: CareRequest) -> None:
    customer, professional, handing = (
        request.customer,
        request.professional,
        request.handed_over_by,
    )
    if not _in_team(customer.pk, professional.pk):
        join_care_team(professional, customer, professional)
    _decide(request, CareRequest.Status.ACCEPTED)
    if handing is not None:
        left, _ = CareTeamMember.objects.filter(customer=customer, professional=handing).delete()
        # Their other handovers of this customer go with them.
        withdraw_handovers([(customer.pk, handing.pk)])
        if left:
            record_access(handing, [customer], "remove", "care team (handed over)", "http")
            narrow_rights([customer.pk, handing.pk], customer_id=customer.pk)
    notices.notify_formed(request)


def decline(actor: User, request_id: int, reply: str) -> CareRequest:
    """A side still to agree declines, with a reply the others read; they are told."""
    with transaction.atomic():
        request, side = _pending(request_id, actor)
        _still_to_agree(request, side)
        _decide(request, CareRequest.Status.DECLINED, reply)
        notices.notify_declined(request, actor)
        notices.mark_answered(request, actor)
    return request


def withdraw(actor: User, request_id: int) -> CareRequest:
    """A side that agreed takes a pending request back: the customer who asked, the
    dietitian who offered, the one who handed over, or a side of a handover that
    accepted and has changed their mind."""
    with transaction.atomic():
        request, side = _pending(request_id, actor)
        if side in request.waiting_for:
            raise Conflict("you have not agreed to it: decline it instead", code="not_agreed")
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
        "kind": request.kind,
        "waiting_for": request.waiting_for,
        "customer_agreed_at": request.customer_agreed_at,
        "professional_agreed_at": request.professional_agreed_at,
        "message": request.message,
        "status": request.status,
        "created_at": request.created_at,
        "decided_at": request.decided_at,
        "reply": request.reply,
    }


def requests_of(user: User) -> list[dict[str, Any]]:
    """A customer's own requests, the offers made to them and the handovers of their
    care; for a professional, the requests and handovers sent to them, the offers and
    handovers they made (each customer shown is in their access log). Pending first,
    newest first."""
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
