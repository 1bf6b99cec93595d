"""My profile (``/profile``: every field with its input and who sees it, one Save, the
history). A customer's profile as shared with their care team is on the care team's page
of that customer (``web.pages.care``). The page names itself; the values come from the
profiles API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import User


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required let only members in
    return user


@login_required
@ensure_csrf_cookie
def profile_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/profile.html", {"me": _member(request)})
