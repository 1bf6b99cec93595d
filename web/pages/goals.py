"""Goals and check-in pages: the customer's quick check-in (``/check-in``) and goals
(``/goals``), and, for a professional of a customer's care team, that customer's goals
and check-ins (``/care/customers/{id}/goals``). The pages render the shell and whose they
are; the data (only what the viewer may see, each read by another audited) comes from the
goals and check-ins API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import User
from accounts.roles import Role
from advice.checkins import SYMPTOMS
from profiles.permissions import Relation, relation_to


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required let only members in
    return user


def _customer_only(user: User) -> None:
    if user.role != Role.CUSTOMER:
        raise Http404("check-ins and goals are a customer's")


@login_required
@ensure_csrf_cookie
def check_in_page(request: HttpRequest) -> HttpResponse:
    user = _member(request)
    _customer_only(user)
    symptoms = [(s, s.replace("_", " ").capitalize()) for s in SYMPTOMS]
    return render(request, "web/check_in.html", {"customer_id": user.pk, "symptoms": symptoms})


@login_required
@ensure_csrf_cookie
def goals_page(request: HttpRequest) -> HttpResponse:
    user = _member(request)
    _customer_only(user)
    context = {
        "customer_id": user.pk,
        "customer_name": user.public_name(),
        "mine": True,
        "can_write": True,
    }
    return render(request, "web/goals.html", context)


@login_required
@ensure_csrf_cookie
def care_goals_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """For the care team; anybody else is told there is no such page, as the API does. A
    medical provider reads the goals: only a dietitian is offered to propose or drop one
    (the API refuses the provider too)."""
    user = _member(request)
    relation = relation_to(user, customer_id)
    if relation is Relation.SELF:
        return redirect("goals")
    customer = User.objects.filter(pk=customer_id, erased_at__isnull=True).first()
    if relation is not Relation.CARE or customer is None:
        raise Http404("no such customer in your care")
    context = {
        "customer_id": customer.pk,
        "customer_name": customer.public_name(),
        "mine": False,
        "can_write": user.role == Role.DIETITIAN,
    }
    return render(request, "web/goals.html", context)
