"""Care teams over HTTP (the rest of advice comes with its own issue)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts import limits
from accounts.audit import record_access
from accounts.models import User
from accounts.permissions import signed_in_user
from accounts.schemas import Input
from advice import services
from advice.permissions import check_can_add_to_care_team, check_can_search_customers
from core.errors import NotFound

router = Router(tags=["care teams"])


class CareTeamIn(Input):
    customer_id: int = Field(ge=1, le=2**62)
    professional_id: int = Field(ge=1, le=2**62)


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
    or more), to take into their care; never matched on e-mail. Counts toward
    ``CONTACT_SEARCHES_PER_MINUTE``."""
    actor = signed_in_user(request)
    check_can_search_customers(actor)
    limits.charge(actor, "contact_search", settings.CONTACT_SEARCHES_PER_MINUTE, 60)
    found = services.customers_to_take_into_care(actor, q)
    # Who is a customer here is the customers' own business: each one shown is in their
    # access log.
    record_access(actor, found, "search", "care team candidates", "http")
    return [{"id": u.pk, "name": u.public_name()} for u in found]


@router.post("/care-team", response={204: None})
def add(request: HttpRequest, payload: CareTeamIn) -> Status[None]:
    """Admins, or a dietitian taking a customer into their own care."""
    actor = signed_in_user(request)
    check_can_add_to_care_team(actor, payload.professional_id)
    # Each addition tells the customer: a bounded number per hour.
    limits.charge(actor, "care_team_add", settings.CARE_TEAM_ADDS_PER_HOUR, 3600)
    # Nobody, and an account that is not an active customer, get the same answer
    # (advice.services.add_to_care_team) unless the actor is an admin.
    customer = User.objects.filter(pk=payload.customer_id).first()
    if customer is None:
        raise NotFound("no such user")
    professional = get_object_or_404(User, pk=payload.professional_id)
    services.add_to_care_team(actor, customer, professional)
    return Status(204, None)


@router.delete("/care-team/{customer_id}/{professional_id}", response={204: None})
def remove(request: HttpRequest, customer_id: int, professional_id: int) -> Status[None]:
    """Admins, or either side of the relationship."""
    services.remove_from_care_team(signed_in_user(request), customer_id, professional_id)
    return Status(204, None)
