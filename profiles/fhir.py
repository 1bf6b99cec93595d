"""Results as FHIR R4 (``fhir.resources.R4B``): a Bundle of Observations out, Observations
of a Bundle in.

Out: the current results the viewer may see, each an Observation with its LOINC coding,
``valueQuantity`` in UCUM (``http://unitsofmeasure.org``), ``effectiveDateTime``, the
interpretation as an HL7 v3 ObservationInterpretation code (N, H, L, HH, LL), the note,
and status ``amended`` for a correction (else ``final``); the Bundle (type
``collection``) is validated by the library before it is given out.

In: each entry is validated by the library on its own (one bad entry does not spoil the
others), matched to the catalogue by its LOINC code, its unit converted as any result's;
an error names the entry's field, ``entry.3.valueQuantity.unit``. Then the rows go
through the same checks, preview and commit as a CSV file (``profiles.imports``).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError

from accounts.models import User
from core.errors import ServiceError
from core.text import json_problem
from profiles.catalogue import Reading
from profiles.imports import MAX_ROWS, Row, import_rows
from profiles.models import MedicalTest, Result
from profiles.records import audit_read, open_record
from profiles.units import label

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
INTERPRETATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION_CODES = {
    Result.Interpretation.NORMAL: ("N", "Normal"),
    Result.Interpretation.HIGH: ("H", "High"),
    Result.Interpretation.LOW: ("L", "Low"),
    Result.Interpretation.CRITICAL_HIGH: ("HH", "Critical high"),
    Result.Interpretation.CRITICAL_LOW: ("LL", "Critical low"),
}
# Observations taken in as results: those a laboratory stands by.
IMPORTED_STATUSES = ("final", "amended", "corrected")
# Stable ids for the entries' full URLs.
NAMESPACE = uuid.UUID("6f1f7c1e-3b0a-4c55-9a54-6d1f0c2b8e11")


def export_bundle(viewer: User, customer: User | int, door: str = "http") -> dict[str, Any]:
    """The results of ``customer`` that ``viewer`` may see, as a validated FHIR R4 Bundle
    (JSON-ready). A read by someone else is written to the customer's access log."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    record = open_record(viewer, customer_id)
    tests = {t.pk: t for t in record.visible_tests()}
    results = Result.objects.filter(
        customer=record.customer, superseded_at__isnull=True, test_id__in=list(tests)
    ).order_by("taken_at", "id")
    entries = [
        {
            "fullUrl": f"urn:uuid:{uuid.uuid5(NAMESPACE, f'result-{r.pk}')}",
            "resource": observation(r, tests[r.test_id], record.reading),
        }
        for r in results
    ]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": entries,
    }
    # Validated as built (a defect here fails loudly, never gives out an invalid bundle);
    # what is given out is the plain JSON it was built as.
    Bundle.model_validate(bundle)
    audit_read(record, "results (FHIR)", door=door, action="export")
    return bundle


def _quantity(value: float, test: MedicalTest) -> dict[str, Any]:
    return {"value": value, "unit": label(test.unit), "system": UCUM, "code": test.unit}


def observation(result: Result, test: MedicalTest, reading: Reading) -> dict[str, Any]:
    """One result as an Observation, its interpretation and reference range as the viewer
    ``reading`` is for may read them."""
    category = "laboratory" if test.category == "blood" else "vital-signs"
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(result.pk),
        "status": "amended" if result.replaces_id else "final",
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": category}]}],
        "code": {
            "coding": [{"system": LOINC, "code": test.loinc, "display": test.name("en")}]
            if test.loinc
            else [],
            "text": test.name("en"),
        },
        "effectiveDateTime": result.taken_at.isoformat(),
        "issued": result.recorded_at.isoformat(),
        "valueQuantity": _quantity(result.value, test),
    }
    if not obs["code"]["coding"]:
        del obs["code"]["coding"]
    shown = reading.interpretation(test.pk, result.value, result.taken_at, result.interpretation)
    if shown in INTERPRETATION_CODES:
        code, display = INTERPRETATION_CODES[Result.Interpretation(shown)]
        obs["interpretation"] = [
            {"coding": [{"system": INTERPRETATION_SYSTEM, "code": code, "display": display}]}
        ]
    if result.note:
        obs["note"] = [{"text": result.note}]
    row = reading.applying(test.pk, result.taken_at)
    if row is not None and (row.low is not None or row.high is not None):
        reference: dict[str, Any] = {"text": "general adult reference for coaching"}
        if row.low is not None:
            reference["low"] = _quantity(row.low, test)
        if row.high is not None:
            reference["high"] = _quantity(row.high, test)
        obs["referenceRange"] = [reference]
    return obs


# --- import -----------------------------------------------------------------------------


def import_bundle(actor: User, customer_id: int, data: Any, commit: bool) -> dict[str, Any]:
    """Preview (``commit`` false) or store the Observations of a Bundle as results."""
    return import_rows(actor, customer_id, lambda zone: read_bundle(data, zone), commit)


def read_bundle(data: Any, zone: str) -> list[Row]:
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise ServiceError("send a FHIR R4 Bundle", code="invalid_bundle", field="resourceType")
    problem = json_problem(data)
    if problem is not None:
        raise ServiceError(f"the bundle {problem}", code="invalid_bundle", field="entry")
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise ServiceError("entry must be a list", code="invalid_bundle", field="entry")
    if len(entries) > MAX_ROWS:
        raise ServiceError(
            f"at most {MAX_ROWS:,} entries in one bundle", code="too_many_rows", field="entry"
        )
    try:
        Bundle.model_validate({**data, "entry": []})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise ServiceError(error["msg"], code="invalid_bundle", field=where) from None
    return [read_entry(i, entry, zone) for i, entry in enumerate(entries)]


def read_entry(index: int, entry: Any, zone: str) -> Row:
    prefix = f"entry.{index}"
    row = Row(ref={"entry": index})
    resource = entry.get("resource") if isinstance(entry, dict) else None
    if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
        row.error = (f"{prefix}.resource", "only Observations are imported")
        return row
    try:
        obs = Observation.model_validate(resource)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        row.error = (f"{prefix}.{where}" if where else prefix, error["msg"])
        return row
    row.fields = {
        "test": f"{prefix}.code",
        "value": f"{prefix}.valueQuantity.value",
        "unit": f"{prefix}.valueQuantity.code",
        "taken_at": f"{prefix}.effectiveDateTime",
        "status": f"{prefix}.status",
    }
    if obs.status not in IMPORTED_STATUSES:
        row.error = (f"{prefix}.status", f"an Observation {obs.status!r} is not a result to keep")
        return row
    codes = [c.code for c in (obs.code.coding or []) if c.system == LOINC and c.code]
    row.test = str(codes[0]) if codes else ""
    if not row.test:
        row.error = (f"{prefix}.code", "no LOINC code (system http://loinc.org)")
        return row
    quantity = obs.valueQuantity
    if quantity is None or quantity.value is None:
        row.error = (f"{prefix}.valueQuantity", "a value with its unit is needed")
        return row
    row.value = float(Decimal(quantity.value))
    row.value_text = str(quantity.value)
    if quantity.code and (quantity.system in (None, UCUM)):
        row.unit = str(quantity.code)
    elif quantity.unit:
        row.unit, row.fields["unit"] = str(quantity.unit), f"{prefix}.valueQuantity.unit"
    else:
        row.error = (f"{prefix}.valueQuantity.unit", "the unit is needed")
        return row
    moment = obs.effectiveDateTime or obs.effectiveInstant
    if moment is None:
        row.error = (f"{prefix}.effectiveDateTime", "when it was taken is needed")
        return row
    row.taken_text = str(moment)
    row.taken_at = _aware(moment, zone)
    if row.taken_at is None:
        row.error = (f"{prefix}.effectiveDateTime", "give at least the day it was taken")
        return row
    row.note = " ".join(n.text for n in (obs.note or []) if n.text).strip()
    return row


def _aware(moment: Any, zone: str) -> dt.datetime | None:
    """A FHIR dateTime as an aware datetime: a day is its midnight in the customer's zone,
    a time without an offset is in the customer's zone; a year or a month alone is not
    enough."""
    tz = zoneinfo.ZoneInfo(zone)
    if isinstance(moment, dt.datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
    if isinstance(moment, dt.date):
        return dt.datetime.combine(moment, dt.time(), tzinfo=tz)
    return None
