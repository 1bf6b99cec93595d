"""A member's own settings (profile, forum name, messaging, blocks, notices, password,
sign-out everywhere, care team, who read my data). The page renders the shell and the
choices; the data comes from the JSON API. A professional's customers are on the care
pages (``web.pages.care``)."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts import regions
from accounts.models import User
from accounts.roles import CARE_ROLES, Role


@login_required
@ensure_csrf_cookie
def settings_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    allowed_from = regions.region_change_allowed_from(user)
    context = {
        "regions": regions.regions(),
        "zones": regions.time_zone_choices(),
        "current_zone": user.time_zone,
        "region_allowed_from": allowed_from,
        "region_label": regions.region_label(user.region),
        "region_change_days": django_settings.REGION_CHANGE_DAYS,
        "is_customer": user.role == Role.CUSTOMER,
        "is_professional": user.role in CARE_ROLES,
    }
    return render(request, "web/settings.html", context)
