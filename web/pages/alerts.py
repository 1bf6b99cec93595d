"""Alert pages for professionals: their open alerts across the customers in their care
(``/care/alerts``), and one customer's rules and alert history
(``/care/customers/{id}/alerts``). The pages render the shell and whose page it is; the
alerts and rules (only what the viewer may see, each read audited) come from the API,
and the page reads again when ``care.activity`` says an alert changed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import User
from accounts.roles import CARE_ROLES, Role
from profiles.permissions import Relation, relation_to


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required let only members in
    return user


@login_required
@ensure_csrf_cookie
def care_alerts_page(request: HttpRequest) -> HttpResponse:
    user = _member(request)
    if user.role not in CARE_ROLES:
        raise Http404("alerts are for dietitians and medical providers")
    # Only a dietitian answers alerts; a medical provider's page offers no form for it
    # (the API refuses them too).
    return render(request, "web/care_alerts.html", {"may_answer": user.role == Role.DIETITIAN})


@login_required
@ensure_csrf_cookie
def care_customer_alerts_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """For the care team; anybody else is told there is no such page, as the API does."""
    user = _member(request)
    customer = User.objects.filter(pk=customer_id, erased_at__isnull=True).first()
    if customer is None or relation_to(user, customer) is not Relation.CARE:
        raise Http404("no such customer in your care")
    context = {
        "customer_id": customer.pk,
        "customer_name": customer.public_name(),
        # The dietitian changes thresholds and answers alerts; a medical provider reads.
        "may_answer": user.role == Role.DIETITIAN,
    }
    return render(request, "web/care_customer_alerts.html", context)
