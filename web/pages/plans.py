"""Care plan pages: the customer's plans (``/plans``), a customer's plans for their care
team (``/care/customers/{id}/plans``: dietitians write, publish and archive; a medical
provider reads), and a dietitian's templates with sends to a class (``/care/templates``).
The pages render the shell and who they are about; the plans themselves come from the
care plan API, which applies every rule and audits each read by a professional."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import User
from accounts.roles import Role
from events.models import ClassSeries
from profiles.permissions import Relation, relation_to


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required let only members in
    return user


@login_required
@ensure_csrf_cookie
def plans_page(request: HttpRequest) -> HttpResponse:
    user = _member(request)
    return render(request, "web/plans.html", {"customer_id": user.pk})


@login_required
@ensure_csrf_cookie
def care_plans_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """For the care team; anybody else is told there is no such page, as the API does."""
    user = _member(request)
    relation = relation_to(user, customer_id)
    if relation is Relation.SELF:
        return redirect("plans")
    customer = User.objects.filter(pk=customer_id, erased_at__isnull=True).first()
    if relation is not Relation.CARE or customer is None:
        raise Http404("no such customer in your care")
    context = {
        "customer": customer,
        "writes": user.role == Role.DIETITIAN,
    }
    return render(request, "web/care_plans.html", context)


@login_required
@ensure_csrf_cookie
def templates_page(request: HttpRequest) -> HttpResponse:
    """Dietitians: the classes they organise or teach are the groups they send to."""
    user = _member(request)
    if user.role != Role.DIETITIAN:
        raise PermissionDenied("dietitians keep plan templates")
    classes = (
        ClassSeries.objects.filter(Q(organiser=user) | Q(sessions__organiser=user))
        .distinct()
        .order_by("title", "id")
        .values("id", "title")
    )
    return render(request, "web/care_templates.html", {"classes": list(classes)})
