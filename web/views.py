"""Browser pages: server-rendered templates; they call the same services as the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST

from accounts import regions, services, signin, verification
from accounts.models import User
from accounts.signals import SIGN_UP_CONSENTS
from core.errors import ServiceError
from profiles.consents import TEXTS
from profiles.onboarding import needs_onboarding

# Set in the session by "Later" on the onboarding page: "/" no longer sends there.
ONBOARDING_LATER = "onboarding_later"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@login_required
@ensure_csrf_cookie
def home(request: HttpRequest) -> HttpResponse:
    """The chat page: conversations and live messages, over the same API and protocol. A
    customer who has not finished onboarding is sent there first (unless they chose to do
    it later in this session); a link to a conversation opens it all the same."""
    user = request.user
    if (
        isinstance(user, User)
        and not request.GET
        and not request.session.get(ONBOARDING_LATER)
        and needs_onboarding(user)
    ):
        return redirect("/onboarding")
    return render(request, "web/home.html")


# The page may say what the API cannot: a wrong password and an address not confirmed
# yet get the same answer, and this one covers both.
NOT_SIGNED_IN = (
    "wrong email or password, or your address is not confirmed yet: use the link we mailed you"
)


@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            user = signin.check_credentials(
                request, request.POST.get("email", ""), request.POST.get("password", "")
            )
        except ServiceError as exc:
            error = NOT_SIGNED_IN if exc.code == "bad_credentials" else exc.message
        else:
            signin.start_session(request, user)
            response = redirect(_next_url(request))
            signin.remember_client(request, response, user)
            return response
    context = {"error": error, "next": _next_url(request), "email": request.POST.get("email", "")}
    return render(request, "web/login.html", context, status=400 if error else 200)


# The region select's choice for "none of these regions" (a member with no region).
NO_REGION = "none"


@require_http_methods(["GET", "POST"])
def signup_page(request: HttpRequest) -> HttpResponse:
    """Sign-up answers "check your mail" whether the address was new or registered. It asks
    the member's region (regional forums and events are for its people) and time zone
    (the page preselects the browser's), and consent to each purpose: a box left unticked
    is a no, given on a form that showed the question (``consents_asked``)."""
    error, status = "", 200
    region = request.POST.get("region", "")
    zone = request.POST.get("time_zone", "")
    consents = None
    if request.POST.get("consents_asked"):
        consents = {p: request.POST.get(f"consent_{p}") == "yes" for p in SIGN_UP_CONSENTS}
    if request.method == "POST":
        try:
            email = services.sign_up(
                email=request.POST.get("email", ""),
                password=request.POST.get("password", ""),
                display_name=request.POST.get("display_name", ""),
                # The page requires a choice; a form without one signs up with no region.
                region="" if region == NO_REGION else region,
                time_zone=zone or "UTC",
                consents=consents,
                client=signin.client_key(request),
            )
        except ServiceError as exc:
            error, status = exc.message, exc.status
        else:
            return render(request, "web/signup.html", {"sent_to": email})
    context = {
        "error": error,
        "email": request.POST.get("email", ""),
        "display_name": request.POST.get("display_name", ""),
        "regions": regions.regions(),
        "region": region,
        "no_region": NO_REGION,
        "zones": regions.time_zone_choices(),
        "zone": zone or "UTC",
        "consents": [
            {"purpose": p, "label": TEXTS[p].label, "ticked": bool(consents and consents[p])}
            for p in SIGN_UP_CONSENTS
        ],
    }
    return render(request, "web/signup.html", context, status=status)


@require_http_methods(["GET", "POST"])
def verify_email_page(request: HttpRequest) -> HttpResponse:
    """The link of the verification mail. Opening it shows a button; the address is
    confirmed by pressing it (mail scanners open links, they do not submit forms)."""
    token = request.POST.get("token") or request.GET.get("token", "")
    try:
        if request.method == "POST":
            verification.verify_email(token)
            return render(request, "web/verify_email.html", {"verified": True})
        verification.user_for_token(token)
    except ServiceError as exc:
        return render(request, "web/verify_email.html", {"error": exc.message}, status=400)
    return render(request, "web/verify_email.html", {"token": token})


@require_http_methods(["GET", "POST"])
def resend_verification_page(request: HttpRequest) -> HttpResponse:
    """A new link: for the address typed (the same answer for every address: an account
    not confirmed yet cannot sign in to ask), or for the signed-in member's own."""
    if request.method == "GET":
        return render(request, "web/verify_email.html", {"ask": True})
    email = request.POST.get("email", "")
    try:
        if email or not isinstance(request.user, User):
            sent_to = verification.resend_verification_to(email, client=signin.client_key(request))
        else:
            verification.resend_verification(request.user)
            sent_to = request.user.email or ""
    except ServiceError as exc:
        context = {"error": exc.message, "ask": True, "email": email}
        return render(request, "web/verify_email.html", context, status=exc.status)
    return render(request, "web/verify_email.html", {"resent_to": sent_to})


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, User):
        services.log_out(request, request.user)
    return redirect("/login")
