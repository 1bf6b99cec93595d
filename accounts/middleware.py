from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from accounts.services import SESSION_AUTH_AT, session_is_current


class SessionRevocationMiddleware:
    """Signs out a browser session started before the user's last revocation."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not session_is_current(
            request.session.get(SESSION_AUTH_AT), user
        ):
            logout(request)
        return self.get_response(request)
