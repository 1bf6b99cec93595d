"""The profile pages: my profile (``/profile``: every field with its input and who sees
it, one Save, the history) and, for a professional of a customer's care team, that
customer's profile as shared with the care team (``/care/customers/{id}``, read-only).
The pages name themselves; the values come from the profiles API, which applies each
field's audience and audits a professional's read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import User
from accounts.roles import CARE_ROLES
from profiles.access import care_team_of
from profiles.permissions import Relation, relation_to


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required let only members in
    return user


@login_required
@ensure_csrf_cookie
def profile_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/profile.html", {"me": _member(request)})


@login_required
@ensure_csrf_cookie
def care_customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A customer in my care: what they share with the care team (nothing while their
    consent to care is not given). Anybody else: 404, the same whether or not the
    customer exists."""
    viewer = _member(request)
    customer = User.objects.filter(pk=customer_id, erased_at__isnull=True).first()
    if (
        customer is None
        or viewer.role not in CARE_ROLES
        or viewer.pk not in care_team_of(customer.pk)
    ):
        raise Http404("no such customer in your care")
    shared = relation_to(viewer, customer) is Relation.CARE
    return render(request, "web/care_customer.html", {"customer": customer, "shared": shared})
