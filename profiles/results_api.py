"""The HTTP doors of the medical-test catalogue and of results (thin: the rules are in
``profiles.results``, ``results_read``, ``imports``, ``fhir`` and ``csv_import``)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from accounts import limits
from accounts.models import User
from accounts.permissions import acting_user, signed_in_user
from core.errors import ServiceError
from core.http import private_no_store
from profiles import csv_import, fhir, results, results_read
from profiles.catalogue import catalogue
from profiles.result_schemas import (
    AmendIn,
    AudienceIn,
    AudienceOut,
    CsvIn,
    CustomerTestsOut,
    ImportOut,
    ResultIn,
    ResultOut,
    ResultPageOut,
    ResultsQuery,
    SeriesOut,
    SeriesQuery,
    TestOut,
)

router = Router(tags=["results"])
# Health records: no cache keeps an answer (errors included).
router.add_decorator(private_no_store, mode="view")


@router.get("/tests", response=list[TestOut])
def list_tests(request: HttpRequest, locale: str = Query("", max_length=16)) -> list[Any]:
    """The catalogue of medical tests (active ones), names in ``locale`` (default: mine)."""
    user = signed_in_user(request)
    return [
        results_read.test_out(t, locale or user.locale) for t in catalogue() if t.retired_at is None
    ]


@router.get("/customers/{customer_id}/tests", response=CustomerTestsOut)
def customer_tests(
    request: HttpRequest, customer_id: int, locale: str = Query("", max_length=16)
) -> dict[str, Any]:
    """Each test the viewer may see, with its audience, the range that applies, the latest
    result and how many there are. The customer, or their care team (audited)."""
    user = signed_in_user(request)
    return results_read.tests_summary(user, customer_id, locale or user.locale)


@router.put("/customers/{customer_id}/tests/{code}/audience", response=AudienceOut)
def set_audience(
    request: HttpRequest, customer_id: int, code: str, payload: AudienceIn
) -> dict[str, str]:
    """The customer only: ``only_me`` or ``care_team``."""
    user = acting_user(request)
    return {
        "test": code,
        "audience": results.set_test_audience(user, customer_id, code, payload.audience),
    }


@router.get("/customers/{customer_id}/results", response=ResultPageOut)
def list_results(
    request: HttpRequest, customer_id: int, query: Query[ResultsQuery]
) -> dict[str, Any]:
    """Current results, newest first; ``next_cursor`` gives the next page."""
    return results_read.results_page(
        signed_in_user(request), customer_id, **query.model_dump(exclude_none=True)
    )


@router.get("/customers/{customer_id}/results/series", response=SeriesOut)
def result_series(
    request: HttpRequest, customer_id: int, query: Query[SeriesQuery]
) -> HttpResponse:
    """One test's current values, oldest first, for a chart (at most about 2,000 points)."""
    found = results_read.series(
        signed_in_user(request), customer_id, **query.model_dump(exclude_none=True)
    )
    # Thousands of points: written as they are (plain numbers and strings), not validated
    # against the schema one by one, which took longer than reading them.
    return HttpResponse(json.dumps(found), content_type="application/json")


@router.post("/customers/{customer_id}/results", response={201: ResultOut})
def add_result(request: HttpRequest, customer_id: int, payload: ResultIn) -> Status[dict[str, Any]]:
    """By the customer (source ``self``) or a professional of their care team
    (``care_team``)."""
    user = acting_user(request)
    made = results.record_result(
        user,
        customer_id,
        test_code=payload.test,
        value=payload.value,
        unit=payload.unit,
        taken_at=payload.taken_at,
        note=payload.note,
    )
    return Status(201, results_read.written_out(user, made))


@router.post("/results/{result_id}/amend", response={201: ResultOut})
def amend(request: HttpRequest, result_id: int, payload: AmendIn) -> Status[dict[str, Any]]:
    """A corrected version; the old one is kept. The customer, or the professional who
    entered it while in the care team."""
    user = acting_user(request)
    made = results.amend_result(user, result_id, **payload.model_dump())
    return Status(201, results_read.written_out(user, made))


@router.get("/results/{result_id}/history", response=list[ResultOut])
def history(request: HttpRequest, result_id: int) -> list[dict[str, Any]]:
    """Every version of the result, the first first."""
    return results_read.history(signed_in_user(request), result_id)


@router.get("/customers/{customer_id}/results.fhir", response={200: None})
def export_fhir(request: HttpRequest, customer_id: int) -> HttpResponse:
    """An R4 Bundle (type collection) of the results the viewer may see."""
    bundle = fhir.export_bundle(signed_in_user(request), customer_id)
    response = HttpResponse(json.dumps(bundle), content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="results-{customer_id}.fhir.json"'
    return response


def charge_import(user: User) -> None:
    """An import reads and checks up to 5,000 rows: counted per member (429 past the
    hour's ``RESULT_IMPORTS_PER_HOUR``), besides the bucket every request draws on."""
    limits.charge(user, "result_import", settings.RESULT_IMPORTS_PER_HOUR, 3600)


@router.post(
    "/customers/{customer_id}/results/import/fhir",
    response=ImportOut,
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "a FHIR R4 Bundle of Observations",
        }
    },
)
def import_fhir(request: HttpRequest, customer_id: int, commit: bool = False) -> dict[str, Any]:
    """A preview of what a Bundle would store (``commit=false``), or store its valid
    Observations (source ``imported``). ``RESULT_IMPORTS_PER_HOUR`` per member."""
    user = acting_user(request)
    charge_import(user)
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ServiceError("send a FHIR R4 Bundle as JSON", code="invalid_bundle") from None
    return fhir.import_bundle(user, customer_id, data, commit)


@router.post("/customers/{customer_id}/results/import/csv", response=ImportOut)
def import_csv(request: HttpRequest, customer_id: int, payload: CsvIn) -> dict[str, Any]:
    """A preview of what a lab file would store (``commit`` false), or store its valid
    rows (source ``imported``). ``RESULT_IMPORTS_PER_HOUR`` per member."""
    user = acting_user(request)
    charge_import(user)
    return csv_import.import_csv(user, customer_id, payload.csv, payload.commit)
