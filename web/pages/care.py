"""The care team's pages: the dashboard of a professional's customers (``/care``), their
care requests and the list of customers in their care with its actions
(``/care/requests``), and the page of one customer (``/care/customers/{id}``): the profile
shared with the care team, what is going on (alerts, missed check-ins, goals at risk,
unread messages), the links to the customer's plans, goals and check-ins, results and
alerts, and the notes. A customer is pointed to their own care team in their settings.
The pages name themselves; the data comes from the API, which applies every audience and
audits the reads. Medical providers see the same pages without what they may not do
(plans, goals and alert rules are their dietitian's to write)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import User
from accounts.roles import CARE_ROLES, Role
from advice.dashboard import DEFAULT_TESTS
from profiles.access import care_team_of
from profiles.permissions import Relation, relation_to


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required let only members in
    return user


def _refused(request: HttpRequest) -> HttpResponse:
    return render(request, "web/care.html", {"refused": True}, status=403)


@login_required
@ensure_csrf_cookie
def care_page(request: HttpRequest) -> HttpResponse:
    """A professional's dashboard of the customers in their care."""
    user = _member(request)
    if user.role not in CARE_ROLES:
        return _refused(request)
    context = {
        "may_write_plans": user.role == Role.DIETITIAN,
        "default_tests": ",".join(DEFAULT_TESTS),
    }
    return render(request, "web/care_dashboard.html", context)


@login_required
@ensure_csrf_cookie
def care_requests_page(request: HttpRequest) -> HttpResponse:
    """The customers in my care, each a message away; a dietitian answers care requests
    and takes new customers in."""
    user = _member(request)
    if user.role not in CARE_ROLES:
        return _refused(request)
    return render(request, "web/care.html", {"may_add": user.role == Role.DIETITIAN})


@login_required
@ensure_csrf_cookie
def care_customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A customer in my care: what they share with the care team (nothing while their
    consent to care is not given), and the way to the rest of their care record. Anybody
    else: 404, the same whether or not the customer exists."""
    viewer = _member(request)
    customer = User.objects.filter(pk=customer_id, erased_at__isnull=True).first()
    if (
        customer is None
        or viewer.role not in CARE_ROLES
        or viewer.pk not in care_team_of(customer.pk)
    ):
        raise Http404("no such customer in your care")
    shared = relation_to(viewer, customer) is Relation.CARE
    context = {
        "customer": customer,
        "shared": shared,
        "may_write_plans": viewer.role == Role.DIETITIAN,
    }
    return render(request, "web/care_customer.html", context)
