"""The HTTP API root: one NinjaAPI, its authentication and its error shapes.

Every error body is ``{"code": ..., "message": ...}`` with a 4xx status; input that fails
its schema adds ``detail`` with the failing fields.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from accounts.services import user_for_bearer_token
from core.errors import RateLimited, ServiceError

logger = logging.getLogger(__name__)


class BearerAuth(HttpBearer):
    """A local access token or a Cognito JWT in ``Authorization: Bearer``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_bearer_token(token)
        request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    """The session cookie, with Django's CSRF check on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


bearer_auth = BearerAuth()
session_auth = BrowserSessionAuth()

api = NinjaAPI(
    title="eDietitian Community API",
    version="1",
    description="HTTP API of the eDietitian community server. "
    "Authenticate with the session cookie (browsers, CSRF on writes) or "
    "`Authorization: Bearer <token>` (a local access token or a Cognito JWT).",
    auth=[bearer_auth, session_auth],
    docs_url="/docs",
    urls_namespace="api",
)


def error(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(ServiceError)
def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    if isinstance(exc, RateLimited):
        response = error(
            request, exc.status, exc.code, exc.message, retry_after=round(exc.retry_after, 3)
        )
        response["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return response
    extra = {"field": exc.field} if exc.field else {}
    return error(request, exc.status, exc.code, exc.message, **extra)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = []
    for item in exc.errors:
        location = ".".join(str(part) for part in item.get("loc", ()) if part not in ("body",))
        fields.append(f"{location}: {item.get('msg', 'invalid')}" if location else item.get("msg"))
    message = "invalid input: " + "; ".join(str(f) for f in fields[:5])
    detail = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors]
    return error(request, 422, "invalid_input", message, detail=detail)


@api.exception_handler(AuthenticationError)
def on_not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(
        request, 401, "not_authenticated", "sign in, or send Authorization: Bearer <token>"
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = "csrf_failed" if exc.status_code == 403 and "CSRF" in str(exc) else "http_error"
    return error(request, exc.status_code, code, str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", str(exc) or "not found")


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Bodies with a Content-Length are refused before (server.middleware); this is the
    # same answer for any other way a body turns out too large.
    return error(request, 413, "too_large", "the request body is too large")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, "forbidden", str(exc) or "forbidden")


@api.exception_handler(IntegrityError)
def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # The last guard: services check their input and turn the constraints they expect
    # into a Conflict; one they did not expect (a race, a gap in a check) is still the
    # client's conflict with what is stored, not a server error. Logged to be fixed; the
    # database's words (table and constraint names) stay in the log.
    logger.warning("integrity error on %s %s: %s", request.method, request.path, exc)
    detail = "this conflicts with what is stored: read it again and retry"
    return error(request, 409, "conflict", detail, detail=detail)


api.add_router("/", "accounts.api.router")
api.add_router("/", "profiles.api.router")
api.add_router("/", "profiles.consent_api.router")
api.add_router("/", "profiles.privacy_api.router")
api.add_router("/", "profiles.results_api.router")
api.add_router("/", "advice.api.router")
api.add_router("/", "advice.plan_api.router")
api.add_router("/", "advice.goal_api.router")
api.add_router("/", "advice.checkin_api.router")
api.add_router("/", "advice.alert_api.router")
api.add_router("/", "advice.care_api.router")
api.add_router("/", "community.messaging.api.router")
api.add_router("/", "community.forum.api.router")
api.add_router("/", "community.forum.moderation_api.router")
api.add_router("/", "community.surveys.api.router")
api.add_router("/", "events.api.router")
api.add_router("/", "notifications.api.router")
