"""The notifications page: every notice, newest first, live (the bell shows the latest)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie


@login_required
@ensure_csrf_cookie
def notifications_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/notifications.html")
