"""Admins configure the medical-test catalogue in the Django admin: a test is saved only
with units the server knows and converts, its ranges only when they are in order; a new
test is usable at once, in its other unit too. Results are never shown there."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.roles import Role
from profiles.models import MedicalTest
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db

ADD = "/admin/profiles/medicaltest/add/"


def form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "potassium",
        "names": '{"en": "Potassium", "fr": "Potassium"}',
        "loinc": "2823-3",
        "category": "blood",
        "unit": "mmol/L",
        "input_units": "[]",
        "decimals": "1",
        "plausible_min": "1",
        "plausible_max": "10",
        "derived": "",
        "order": "300",
        "default_audience": "care_team",
        "ranges-TOTAL_FORMS": "1",
        "ranges-INITIAL_FORMS": "0",
        "ranges-MIN_NUM_FORMS": "0",
        "ranges-MAX_NUM_FORMS": "1000",
        "ranges-0-sex": "any",
        "ranges-0-low": "3.5",
        "ranges-0-high": "5.0",
        "ranges-0-critical_low": "2.5",
        "ranges-0-critical_high": "6.5",
    }
    data.update(changes)
    return data


@pytest.fixture
def admin_site(make_user) -> Client:
    site = Client()
    site.force_login(make_user(Role.ADMIN))
    return site


def errors(response) -> str:
    assert response.status_code == 200, "the form was accepted"
    return str(response.context["adminform"].form.errors) + str(
        [f.errors for f in response.context["inline_admin_formsets"][0].formset.forms]
    )


def test_units_the_server_cannot_convert_are_refused(admin_site):
    unknown = admin_site.post(ADD, form(input_units='["furlong"]'))
    assert "&#x27;furlong&#x27; is not a unit the server knows" in errors(unknown)
    # A mass concentration for an amount, without the molar mass to convert it.
    no_mass = admin_site.post(ADD, form(input_units='["mg/dL"]'))
    assert "cannot be converted from mg/dL to mmol/L" in errors(no_mass)
    backwards = admin_site.post(ADD, form(plausible_min="10", plausible_max="1"))
    assert "the plausible maximum is above the minimum" in errors(backwards)
    crossed = admin_site.post(ADD, form(**{"ranges-0-high": "3.0"}))
    assert "high is below low" in errors(crossed)
    assert not MedicalTest.objects.filter(code="potassium").exists()


def test_a_new_test_is_usable_at_once_in_its_other_unit(admin_site, client, make_user):
    saved = admin_site.post(ADD, form(input_units='["mg/dL"]', molar_mass="39.098"))
    assert saved.status_code == 302, errors(saved)
    customer = make_user()
    recorded = client.post(
        f"/api/customers/{customer.pk}/results",
        {"test": "potassium", "value": 19.5, "unit": "mg/dL", "taken_at": "2026-11-02T08:00:00Z"},
        content_type="application/json",
        **bearer(customer),
    )
    assert recorded.status_code == 201, recorded.content
    result = api_json(recorded)
    # 19.5 mg/dL of potassium (39.098 g/mol) is 4.99 mmol/L: in the range.
    assert round(result["value"], 2) == 4.99 and result["unit"] == "mmol/L"
    assert result["interpretation"] == "normal"


def test_the_admin_shows_the_catalogue_and_no_results(admin_site):
    assert admin_site.get("/admin/profiles/medicaltest/").status_code == 200
    for hidden in ("result", "profilevalue", "profilechange", "consent", "testaudience"):
        assert admin_site.get(f"/admin/profiles/{hidden}/").status_code == 404, hidden
