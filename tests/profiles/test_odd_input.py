"""Odd documents get a clear 4xx, never a 500: numbers too large for a float, JSON nested
hundreds of levels deep (in a profile edit, a FHIR bundle, any endpoint's body)."""

from __future__ import annotations

import json

import pytest

from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = [value]
    return value


def test_a_number_too_large_for_a_float_names_its_field(client, make_user):
    customer = make_user()
    body = '{"version": 0, "values": {"sleep_hours": ' + "9" * 400 + '}, "audiences": {}}'
    answer = client.patch(
        f"/api/customers/{customer.pk}/profile", body, content_type="application/json",
        **bearer(customer),
    )  # fmt: skip
    assert answer.status_code == 400
    assert api_json(answer)["field"] == "values.sleep_hours"


@pytest.mark.parametrize("depth", [40, 700])
def test_deeply_nested_documents_are_refused_not_walked(client, make_user, depth):
    customer = make_user()
    profile = client.patch(
        f"/api/customers/{customer.pk}/profile",
        json.dumps({"version": 0, "values": {"bio": nested(depth)}, "audiences": {}}),
        content_type="application/json",
        **bearer(customer),
    )
    assert profile.status_code == 422
    assert "nested too deeply" in api_json(profile)["message"]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [nested(depth)]}
    fhir = client.post(
        f"/api/customers/{customer.pk}/results/import/fhir?commit=false",
        json.dumps(bundle),
        content_type="application/json",
        **bearer(customer),
    )
    assert fhir.status_code == 400
    assert "nested too deeply" in api_json(fhir)["message"]
