"""HTTP helpers for the API's routers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

PRIVATE_NO_STORE = "private, no-store"


def private_no_store(
    run: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """For ``router.add_decorator(private_no_store, mode="view")``: every answer of the
    router's endpoints, errors included, says ``Cache-Control: private, no-store``, so no
    shared cache keeps it and no browser writes it to disk (a health record, a member's
    own data)."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = run(request, *args, **kwargs)
        response["Cache-Control"] = PRIVATE_NO_STORE
        return response

    return wrapper
