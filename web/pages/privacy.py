"""Consent, onboarding and privacy pages: ``/onboarding`` (a customer's first steps, one
at a time), ``/privacy`` (my consents, who looked at my data, and my data to take away:
download all of it, erase the account), ``/privacy/texts`` (the consent texts in full, for
anyone: sign-up links to it) and the page a member lands on once their account is erased
(signed out by then). The pages render the shell and the choices; the data comes from
the JSON API."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from accounts import regions
from accounts.models import User
from accounts.roles import Role
from profiles.consents import TEXTS
from web.views import ONBOARDING_LATER

# The languages the pages offer (a member may hold another tag, set through the API).
LOCALES = (("en", "English"), ("fr", "Français"))


@login_required
@ensure_csrf_cookie
def onboarding_page(request: HttpRequest) -> HttpResponse:
    """The steps of a customer's onboarding, one at a time (others are told it is for
    customers)."""
    user = request.user
    assert isinstance(user, User)
    if user.role != Role.CUSTOMER:
        return render(request, "web/onboarding.html", {"refused": True}, status=403)
    locales = list(LOCALES)
    if user.locale not in dict(locales):
        locales.append((user.locale, user.locale))
    context = {
        "regions": regions.regions(),
        "zones": regions.time_zone_choices(),
        "locales": locales,
        "texts": list(TEXTS.values()),
    }
    return render(request, "web/onboarding.html", context)


@require_POST
@login_required
def onboarding_later(request: HttpRequest) -> HttpResponse:
    """The "Later" button: "/" no longer sends the member to onboarding, in this session."""
    request.session[ONBOARDING_LATER] = True
    return redirect("/")


@login_required
@ensure_csrf_cookie
def privacy_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html", {"export_days": settings.DATA_EXPORT_DAYS})


def consent_texts_page(request: HttpRequest) -> HttpResponse:
    """The full texts of consent, with their versions; no sign-in needed."""
    return render(request, "web/consent_texts.html", {"texts": list(TEXTS.values())})


def erased_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/erased.html")
