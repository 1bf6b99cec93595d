"""The privacy page's part for a member's own data: download all of it, and erase the
account (``web/_privacy_export.html``, ``privacy-export.js``); and the page a member
lands on once their account is erased (they are signed out by then)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie


@login_required
@ensure_csrf_cookie
def privacy_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html", {"export_days": settings.DATA_EXPORT_DAYS})


def erased_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/erased.html")
