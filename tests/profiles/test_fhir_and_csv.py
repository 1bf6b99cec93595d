"""FHIR and CSV: a customer's results exported as an R4 Bundle and imported into another
customer give the same values; a bad bundle entry and bad CSV rows are each named (the
entry's path, the row's line and column), duplicates flagged; a preview stores nothing;
a commit stores the valid rows (source imported) and says what it skipped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from accounts.roles import Role
from profiles.fhir import export_bundle
from profiles.models import Result
from tests.helpers import api_json, bearer
from tests.profiles.results_helpers import added, at, current, get, into_care, post

pytestmark = pytest.mark.django_db

TESTS = ("weight", "height", "bmi", "glucose_fasting", "hdl", "vitamin_d")


def test_an_exported_bundle_imported_into_another_customer_gives_the_same_values(client, make_user):
    ann, bea = make_user(Role.CUSTOMER), make_user(Role.CUSTOMER)
    added(client, ann, ann, "height", 66, "in", at(0))
    first = added(client, ann, ann, "weight", 150, "lb", at(1), note="morning")
    added(client, ann, ann, "weight", 68.2, "kg", at(2))
    added(client, ann, ann, "glucose_fasting", 99, "mg/dL", at(3))
    added(client, ann, ann, "hdl", 1.4, "mmol/L", at(3))
    added(client, ann, ann, "vitamin_d", 20, "ng/mL", at(3))
    post(
        client,
        ann,
        f"/api/results/{first['id']}/amend",
        {"value": 151, "unit": "lb", "reason": "scale"},
    )
    response = get(client, ann, f"/api/customers/{ann.pk}/results.fhir")
    assert response["Content-Type"] == "application/fhir+json"
    bundle = json.loads(response.content)
    Bundle.model_validate(bundle)  # valid R4
    assert bundle["type"] == "collection"
    observations = [e["resource"] for e in bundle["entry"]]
    assert len(observations) == 8  # six entered (one corrected), two BMIs derived
    weight = next(o for o in observations if o["status"] == "amended")
    assert weight["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "29463-7",
        "display": "Weight",
    }
    assert weight["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    assert weight["valueQuantity"]["code"] == "kg" and weight["note"] == [{"text": "morning"}]
    vitamin = next(o for o in observations if o["code"]["coding"][0]["code"] == "62292-8")
    assert vitamin["interpretation"][0]["coding"][0]["code"] == "L"
    assert export_bundle(ann, ann)["entry"] == bundle["entry"]  # what the data download uses

    preview = post(client, bea, f"/api/customers/{bea.pk}/results/import/fhir?commit=false", bundle)
    assert preview.status_code == 200, preview.content
    assert (api_json(preview)["valid"], api_json(preview)["invalid"]) == (6, 2)
    assert not Result.objects.filter(customer=bea).exists()
    done = api_json(
        post(client, bea, f"/api/customers/{bea.pk}/results/import/fhir?commit=true", bundle)
    )
    assert (done["stored"], done["skipped"]) == (6, 2)
    bmi_rows = [r for r in done["rows"] if r["error"] and r["test"] == "bmi"]
    assert [r["error"]["field"] for r in bmi_rows] == ["entry.2.code", "entry.4.code"]
    for test in TESTS:
        theirs = [(t, round(v, 3)) for t, v in current(bea, test)]
        assert theirs == [(t, round(v, 3)) for t, v in current(ann, test)], test
    assert set(Result.objects.filter(customer=bea).values_list("source", flat=True)) == {
        "imported",
        "derived",
    }


def test_a_bad_bundle_entry_is_named_and_the_good_ones_still_go_in(client, customer):
    def observation(**changes):
        base = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "2093-3"}]},
            "effectiveDateTime": "2024-02-01",
            "valueQuantity": {
                "value": 190,
                "unit": "mg/dL",
                "system": "http://unitsofmeasure.org",
                "code": "mg/dL",
            },
        }
        base.update(changes)
        return {"resource": base}

    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            observation(),
            observation(valueQuantity={"value": 5, "unit": "stone"}),
            observation(valueQuantity={"value": "lots", "code": "mg/dL"}),
            observation(status="preliminary"),
            observation(code={"coding": [{"system": "http://loinc.org", "code": "0000-0"}]}),
            observation(effectiveDateTime="2999-01-01"),
            {"resource": {"resourceType": "Patient"}},
        ],
    }
    answer = api_json(
        post(client, customer, f"/api/customers/{customer.pk}/results/import/fhir", bundle)
    )
    errors = [r["error"]["field"] if r["error"] else None for r in answer["rows"]]
    assert errors == [
        None,
        "entry.1.valueQuantity.unit",
        "entry.2.valueQuantity.value",
        "entry.3.status",
        "entry.4.code",
        "entry.5.effectiveDateTime",
        "entry.6.resource",
    ]
    assert answer["rows"][0]["stored_value"] == pytest.approx(4.914, abs=1e-3)
    assert "kg" not in answer["rows"][1]["error"]["message"]
    assert "mmol/L, mg/dL" in answer["rows"][1]["error"]["message"]
    assert not Result.objects.filter(customer=customer).exists()
    not_bundle = post(
        client,
        customer,
        f"/api/customers/{customer.pk}/results/import/fhir",
        {"resourceType": "Observation"},
    )
    assert (not_bundle.status_code, api_json(not_bundle)["field"]) == (400, "resourceType")


CSV = """test,value,unit,taken_at,note
weight,154,lb,2024-01-05T08:00:00-05:00,home scale
2093-3,5.1,mmol/L,2024-01-06,
glucose_fasting,98,stone,2024-01-06,
hdl,high,mmol/L,2024-01-06,
hdl,1.2,mmol/L,yesterday,
tsh,2,mU/L,2024-01-06,
weight,70,kg,2024-01-05T13:00:00Z,same moment as line 2
waist,,cm,2024-01-06,
systolic,128,mm[Hg],2024-01-04T09:00:00+00:00,
"""


def test_a_csv_preview_names_each_bad_row_and_a_commit_stores_the_valid_ones(client, make_user):
    customer = make_user(Role.CUSTOMER)
    added(client, customer, customer, "systolic", 130, "mm[Hg]", "2024-01-04T09:00:00+00:00")
    path = f"/api/customers/{customer.pk}/results/import/csv"
    before = Result.objects.count()
    preview = api_json(post(client, customer, path, {"csv": CSV}))
    errors = {
        r["line"]: r["error"] and (r["error"]["field"], r["duplicate"]) for r in preview["rows"]
    }
    assert errors == {
        2: None,
        3: None,
        4: ("unit", False),
        5: ("value", False),
        6: ("taken_at", False),
        7: ("test", False),
        8: ("taken_at", True),
        9: ("value", False),
        10: ("taken_at", True),
    }
    assert (preview["valid"], preview["invalid"], preview["committed"]) == (2, 7, False)
    first = preview["rows"][0]
    assert (first["stored_unit"], round(first["stored_value"], 2)) == ("kg", 69.85)
    assert Result.objects.count() == before  # a preview stores nothing
    done = api_json(post(client, customer, path, {"csv": CSV, "commit": True}))
    assert (done["stored"], done["skipped"]) == (2, 7)
    stored = Result.objects.filter(customer=customer, source="imported")
    assert sorted(stored.values_list("test__code", "note")) == [
        ("cholesterol_total", ""),
        ("weight", "home scale"),
    ]
    assert {r["line"]: r["id"] is not None for r in done["rows"]}[2] is True
    # Semicolons and decimal commas, as some labs write them.
    semi = "test;value;unit;taken_at\nhdl;1,3;mmol/L;2024-01-09\n"
    assert api_json(post(client, customer, path, {"csv": semi}))["rows"][0]["stored_value"] == 1.3


def test_a_csv_file_too_big_or_too_long_or_without_its_columns_is_refused(client, make_user):
    customer, dietitian = make_user(Role.CUSTOMER), make_user(Role.DIETITIAN)
    path = f"/api/customers/{customer.pk}/results/import/csv"
    long = "test,value,unit,taken_at\n" + "weight,70,kg,2024-01-01\n" * 5001
    too_long = post(client, customer, path, {"csv": long})
    assert (too_long.status_code, api_json(too_long)["field"]) == (400, "csv")
    big = post(client, customer, path, {"csv": "x" * (1024 * 1024 + 1)})
    assert (big.status_code, api_json(big)["field"]) == (413, "csv")
    headless = post(client, customer, path, {"csv": "weight,70,kg,2024-01-01\n"})
    assert (headless.status_code, api_json(headless)["field"]) == (400, "csv")
    # The care team imports too, for the tests shared with it; others are told nothing. A
    # row of a test kept from them reads as one of a test the catalogue lacks.
    assert post(client, dietitian, path, {"csv": CSV}).status_code == 404
    into_care(customer, dietitian)
    client.put(
        f"/api/customers/{customer.pk}/tests/weight/audience",
        {"audience": "only_me"},
        content_type="application/json",
        **bearer(customer),
    )
    answer = api_json(post(client, dietitian, path, {"csv": CSV, "commit": True}))
    assert answer["stored"] == 2
    refused = [r for r in answer["rows"] if r["test"] == "weight"]
    assert [r["error"]["field"] for r in refused] == ["test", "test"]
    assert [r["error"]["message"] for r in refused] == ["no test 'weight' in the catalogue"] * 2
    assert [r["duplicate"] for r in refused] == [False, False]
    unknown = next(r for r in answer["rows"] if r["test"] == "tsh")

    def shape(row: dict[str, Any]) -> dict[str, Any]:
        kept = ("stored_value", "stored_unit", "stored_unit_label", "interpretation", "id")
        return {k: row[k] for k in kept} | {"field": row["error"]["field"]}

    assert shape(refused[0]) == shape(unknown)
    assert set(Result.objects.filter(customer=customer).values_list("entered_by", flat=True)) == {
        dietitian.pk
    }
