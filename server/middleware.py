from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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
        body = {"code": "bad_request", "message": "NUL characters are not allowed in input"}
        return HttpResponse(json.dumps(body), status=400, content_type="application/json")
