"""Health results pages: my results (``/results``) and, for a professional of a customer's
care team, that customer's results as shared with the care team
(``/care/customers/{id}/results``). The pages render the shell and who the record is
of; the data (only what the viewer may see, each read by another audited) comes from the
results API and the customer's health topic."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import User
from profiles.permissions import Relation, relation_to


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required let only members in
    return user


@login_required
@ensure_csrf_cookie
def results_page(request: HttpRequest) -> HttpResponse:
    user = _member(request)
    context = {"customer_id": user.pk, "customer_name": user.public_name(), "mine": True}
    return render(request, "web/results.html", context)


@login_required
@ensure_csrf_cookie
def care_results_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """For the care team; anybody else is told there is no such page, as the API does."""
    user = _member(request)
    relation = relation_to(user, customer_id)
    if relation is Relation.SELF:
        return redirect("results")
    customer = User.objects.filter(pk=customer_id, erased_at__isnull=True).first()
    if relation is not Relation.CARE or customer is None:
        raise Http404("no such customer in your care")
    context = {"customer_id": customer.pk, "customer_name": customer.public_name(), "mine": False}
    return render(request, "web/results.html", context)
