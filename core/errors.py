"""Errors that services raise; the API and the gateway turn them into 4xx or error frames."""

from __future__ import annotations


class ServiceError(Exception):
    """A request a service refuses. ``code`` is stable and documented; ``status`` is HTTP."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The input at fault, where there is one ("values.height", "rows.3.unit"): the
        # answer names it, so a form can show the error beside it.
        self.field = field
        if code is not None:
            self.code = code


class NotAuthenticated(ServiceError):
    status = 401
    code = "not_authenticated"


class InvalidToken(NotAuthenticated):
    code = "invalid_token"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: float, message: str = "slow down") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class TooSoon(RateLimited):
    """A change allowed only so often (a region), asked for before it is allowed again."""

    code = "too_soon"

    def __init__(self, retry_after: float, message: str, *, code: str | None = None) -> None:
        super().__init__(retry_after, message)
        if code is not None:
            self.code = code
