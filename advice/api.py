"""Care teams and care requests over HTTP (the rest of advice comes with its own issue)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts import limits
from accounts.audit import record_access
from accounts.bounds import MAX_ID
from accounts.models import User
from accounts.permissions import signed_in_user
from accounts.roles import Role
from accounts.schemas import Input
from advice import requests as care_requests
from advice import services
from advice.permissions import check_can_add_to_care_team, check_can_search_customers
from core.errors import NotFound

router = Router(tags=["care teams"])


class CareTeamIn(Input):
    customer_id: int = Field(ge=1, le=2**62)
    professional_id: int = Field(ge=1, le=2**62)
    # A dietitian's offer: a message for the customer.
    message: str = Field(default="", max_length=500)


class PersonOut(Schema):
    id: int
    name: str


class CareRequestOut(Schema):
    id: int
    customer: PersonOut
    professional: PersonOut
    handed_over_by: PersonOut | None
    kind: str
    # The sides still to agree ("customer", "professional"); empty once answered.
    waiting_for: list[str]
    customer_agreed_at: datetime | None
    professional_agreed_at: datetime | None
    message: str
    status: str
    created_at: datetime
    decided_at: datetime | None
    reply: str


@router.get("/care-team", response=list[dict[str, Any]])
def my_care_relations(request: HttpRequest) -> list[dict[str, Any]]:
    """For a customer, their care team; for a professional, the customers they care for."""
    return services.care_relations(signed_in_user(request))


class CustomerOut(Schema):
    id: int
    name: str


@router.get("/care-team/candidates", response=list[CustomerOut])
def candidates(request: HttpRequest, q: str = Query("", max_length=80)) -> list[dict[str, Any]]:
    """For dietitians (and admins): customers whose display name holds ``q`` (3 characters
    or more), to offer their care to; never matched on e-mail. Counts toward
    ``CONTACT_SEARCHES_PER_MINUTE``."""
    actor = signed_in_user(request)
    check_can_search_customers(actor)
    limits.charge(actor, "contact_search", settings.CONTACT_SEARCHES_PER_MINUTE, 60)
    found = services.customers_to_take_into_care(actor, q)
    # Who is a customer here is the customers' own business: each one shown is in their
    # access log.
    record_access(actor, found, "search", "care team candidates", "http")
    return [{"id": u.pk, "name": u.public_name()} for u in found]


@router.post("/care-team", response={202: CareRequestOut, 204: None})
def add(request: HttpRequest, payload: CareTeamIn) -> Status[dict[str, Any] | None]:
    """A dietitian offers a customer their own care: 202 the offer, which the customer
    accepts or declines (the dietitian is in no care team until then). An admin adds to
    any care team directly: 204."""
    actor = signed_in_user(request)
    check_can_add_to_care_team(actor, payload.professional_id)
    # Each offer or addition tells the customer: a bounded number per hour.
    limits.charge(actor, "care_team_add", settings.CARE_TEAM_ADDS_PER_HOUR, 3600)
    # Nobody, and an account that is not an active customer, get the same answer
    # (advice.requests.offer) unless the actor is an admin.
    customer = User.objects.filter(pk=payload.customer_id).first()
    if customer is None:
        raise NotFound("no such user")
    if actor.role != Role.ADMIN:
        made = care_requests.offer(actor, customer, payload.message)
        return Status(202, care_requests.shape(made))
    professional = get_object_or_404(User, pk=payload.professional_id)
    services.add_to_care_team(actor, customer, professional)
    return Status(204, None)


@router.delete("/care-team/{customer_id}/{professional_id}", response={204: None})
def remove(request: HttpRequest, customer_id: int, professional_id: int) -> Status[None]:
    """Admins, or either side of the relationship."""
    services.remove_from_care_team(signed_in_user(request), customer_id, professional_id)
    return Status(204, None)


# --- care requests -----------------------------------------------------------------------


class DietitianOut(Schema):
    id: int
    name: str
    region: str
    region_label: str
    # The dietitian's community profile card fields (display fields they share).
    fields: list[dict[str, Any]]
    # Whether the caller has a pending request to this dietitian.
    asked: bool


@router.get("/dietitians", response=list[DietitianOut], tags=["care requests"])
def dietitians(
    request: HttpRequest,
    region: str = Query("", max_length=16),
    q: str = Query("", max_length=80),
) -> list[dict[str, Any]]:
    """Active dietitians the caller may ask to take them on (or, for a dietitian, hand a
    customer over to); those of the caller's region first. ``q`` matches the name (and
    counts toward ``CONTACT_SEARCHES_PER_MINUTE``)."""
    return care_requests.dietitians_for(signed_in_user(request), region, q)


class CareRequestIn(Input):
    professional_id: int = Field(ge=1, le=MAX_ID)
    message: str = Field(default="", max_length=500)


class ReplyIn(Input):
    reply: str = Field(default="", max_length=500)


class HandoverIn(Input):
    customer_id: int = Field(ge=1, le=MAX_ID)
    to_professional_id: int = Field(ge=1, le=MAX_ID)
    message: str = Field(default="", max_length=500)


@router.post("/care-requests", response={201: CareRequestOut}, tags=["care requests"])
def ask(request: HttpRequest, payload: CareRequestIn) -> Status[dict[str, Any]]:
    """A customer asks a dietitian to take them on (``CARE_REQUESTS_PER_DAY``)."""
    made = care_requests.ask(signed_in_user(request), payload.professional_id, payload.message)
    return Status(201, care_requests.shape(made))


@router.get("/care-requests", response=list[CareRequestOut], tags=["care requests"])
def list_care_requests(request: HttpRequest) -> list[dict[str, Any]]:
    """A customer's own requests, the offers made to them and the handovers of their
    care; for a professional, the requests and handovers sent to them, and the offers
    and handovers they made. Pending first, then newest first."""
    return care_requests.requests_of(signed_in_user(request))


@router.post("/care-requests/{request_id}/accept", response=CareRequestOut, tags=["care requests"])
def accept(request: HttpRequest, request_id: int) -> dict[str, Any]:
    """The side still to agree accepts (the dietitian asked; the customer offered care;
    after a handover, the dietitian asked and the customer, in either order): when both
    sides have, the care team forms."""
    return care_requests.shape(care_requests.accept(signed_in_user(request), request_id))


@router.post("/care-requests/{request_id}/decline", response=CareRequestOut, tags=["care requests"])
def decline(request: HttpRequest, request_id: int, payload: ReplyIn) -> dict[str, Any]:
    """The side still to agree declines, with a reply for the others."""
    declined = care_requests.decline(signed_in_user(request), request_id, payload.reply)
    return care_requests.shape(declined)


@router.post(
    "/care-requests/{request_id}/withdraw", response=CareRequestOut, tags=["care requests"]
)
def withdraw(request: HttpRequest, request_id: int) -> dict[str, Any]:
    """A side that agreed takes a pending request back (the customer who asked, the
    dietitian who offered or handed over, a side of a handover that accepted)."""
    return care_requests.shape(care_requests.withdraw(signed_in_user(request), request_id))


@router.post("/care-team/handover", response={201: CareRequestOut}, tags=["care requests"])
def hand_over(request: HttpRequest, payload: HandoverIn) -> Status[dict[str, Any]]:
    """A dietitian asks another to take over a customer in their care; the other and the
    customer each accept, and then the handing dietitian leaves the care team."""
    made = care_requests.hand_over(
        signed_in_user(request), payload.customer_id, payload.to_professional_id, payload.message
    )
    return Status(201, care_requests.shape(made))
