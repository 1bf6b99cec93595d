from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from pydantic import TypeAdapter, ValidationError

from accounts.bounds import MAX_ID

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
AS_INTEGER = TypeAdapter(int)  # reads a path number the way the API's schemas do


def json_error(status: int, code: str, message: str) -> HttpResponse:
    body = {"code": code, "message": message}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


class RefuseOversizedBodiesMiddleware:
    """Answers a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` with 413 and a JSON error,
    before anything reads it (Django would raise ``RequestDataTooBig`` on first read,
    a 400 page, or a 500 from the API in debug mode). Multipart bodies are left to
    Django, which counts their fields but streams their files."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = request.META.get("CONTENT_TYPE", "")
        if limit is not None and not content_type.startswith("multipart/form-data"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return json_error(413, "too_large", f"a request body is {limit} bytes at most")
        return self.get_response(request)


class BoundPathNumbersMiddleware:
    """Answers 404 for a number in a URL path beyond the 64-bit signed range, on every
    endpoint and page: no object has such an id, and SQLite cannot even look it up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not any(_out_of_range(value) for value in (*args, *kwargs.values())):
            return None
        if request.path.startswith("/api/"):
            return json_error(404, "not_found", "no such object")
        raise Http404("no such object")


def _out_of_range(value: object) -> bool:
    if isinstance(value, str):
        try:
            value = AS_INTEGER.validate_python(value)
        except ValidationError:
            return False
    return isinstance(value, int) and abs(value) > MAX_ID


class RejectNulCharactersMiddleware:
    """Refuses NUL characters in query strings and form bodies with a 400.

    No stored text may hold NUL (PostgreSQL refuses it), so it is turned away at the door
    instead of failing deep inside a query. JSON bodies are checked by the API schemas.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if b"\x00" in unquote_to_bytes(query):
            return self._refuse()
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method == "POST" and content_type.startswith(FORM_TYPES):
            body = request.body
            if b"\x00" in body or b"\x00" in unquote_to_bytes(body):
                return self._refuse()
        return self.get_response(request)

    @staticmethod
    def _refuse() -> HttpResponse:
        return json_error(400, "bad_request", "NUL characters are not allowed in input")
