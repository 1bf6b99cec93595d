"""Units and ranges: a value entered in any accepted unit is stored in the test's canonical
unit (pint; mass to amount concentration through the molar mass; HbA1c by the IFCC
relation), an unaccepted unit or an impossible value is refused naming the field, the
interpretation comes from the range for the customer's sex and age when it was taken
(critical ones included), and BMI is derived from weight and the latest height, derived
again when either is corrected."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from profiles.models import Result
from tests.helpers import api_json
from tests.profiles.results_helpers import add, added, at, current, post, set_profile

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("test", "value", "unit", "stored", "entered_unit"),
    [
        ("weight", 180, "lb", 81.6466, "[lb_av]"),
        ("weight", 72500, "g", 72.5, "g"),
        ("height", 70, "in", 177.8, "[in_i]"),
        ("height", 1.7, "m", 170.0, "m"),
        ("glucose_fasting", 100, "mg/dL", 5.5507, "mg/dL"),
        ("cholesterol_total", 200, "mg/dl", 5.1726, "mg/dL"),
        ("triglycerides", 150, "mg/dL", 1.6936, "mg/dL"),
        ("vitamin_d", 30, "ng/mL", 74.8802, "ng/mL"),
        ("ferritin", 80, "ng/mL", 80.0, "ng/mL"),
        ("hba1c", 48, "mmol/mol", 6.542, "mmol/mol"),
        ("systolic", 121, "mmHg", 121.0, "mm[Hg]"),
    ],
)
def test_a_value_is_stored_in_the_canonical_unit_and_as_entered(
    client, customer, test, value, unit, stored, entered_unit
):
    result = added(client, customer, customer, test, value, unit, at())
    assert result["value"] == pytest.approx(stored, abs=1e-3)
    assert (result["entered_value"], result["entered_unit"]) == (str(value), entered_unit)


def test_units_a_test_does_not_take_and_impossible_values_are_refused_naming_the_field(
    client, customer
):
    refused = add(client, customer, customer, "weight", 80, "mmol/L", at())
    body = api_json(refused)
    assert (refused.status_code, body["field"], body["code"]) == (400, "unit", "invalid_unit")
    assert "kg, lb, g" in body["message"]
    # Plausible bounds are in the canonical unit, and said in the unit entered too.
    for value, unit in ((401, "kg"), (1.9, "kg"), (1000, "lb")):
        refused = add(client, customer, customer, "weight", value, unit, at())
        body = api_json(refused)
        assert (refused.status_code, body["field"], body["code"]) == (400, "value", "implausible")
    assert "2 to 400 kg (4.41 to 881.85 lb)" in body["message"]
    assert api_json(add(client, customer, customer, "height", 300, "cm", at()))["field"] == "value"
    assert api_json(add(client, customer, customer, "tsh", 1, "mU/L", at()))["field"] == "test"
    # BMI is never entered.
    refused = add(client, customer, customer, "bmi", 22, "kg/m2", at())
    assert (refused.status_code, api_json(refused)["field"]) == (400, "test")
    assert not Result.objects.filter(customer=customer).exists()


def test_interpretation_by_sex_and_age_band_including_critical_values(client, make_user):
    anna, ben, cleo = make_user(), make_user(), make_user()
    set_profile(anna, sex="female", birth_date="1980-06-01")
    set_profile(ben, sex="male", birth_date="1950-06-01")
    # HDL: low under 1.3 for women, under 1.0 for men; no range without a sex.
    hdl = {
        p.pk: added(client, p, p, "hdl", 1.1, "mmol/L", at())["interpretation"]
        for p in (anna, ben, cleo)
    }
    assert hdl == {anna.pk: "low", ben.pk: "normal", cleo.pk: ""}
    # Fasting glucose: critical under 3.0 and from 25 mmol/L; systolic from 180.
    values = [
        (2.5, "critical_low"),
        (3.5, "low"),
        (5.0, "normal"),
        (6.1, "high"),
        (26, "critical_high"),
    ]
    for day, (value, expected) in enumerate(values):
        got = added(client, cleo, cleo, "glucose_fasting", value, "mmol/L", at(day))
        assert got["interpretation"] == expected, value
    assert added(client, cleo, cleo, "systolic", 185, "mm[Hg]", at())["interpretation"] == (
        "critical_high"
    )
    # BMI 21: normal at 43 (adult band 18.5 to 25), low at 73 (65 and over: 22 to 27).
    for person in (anna, ben):
        added(client, person, person, "height", 170, "cm", at(-1))
        added(client, person, person, "weight", 60.7, "kg", at())
    bmi = {p.pk: current(p, "bmi") for p in (anna, ben)}
    assert [v for _, v in bmi[anna.pk]] == [pytest.approx(21.003, abs=1e-3)]
    interpretations = dict(
        Result.objects.filter(test__code="bmi", customer__in=[anna, ben]).values_list(
            "customer_id", "interpretation"
        )
    )
    assert interpretations == {anna.pk: "normal", ben.pk: "low"}
    # The age band is the one at the time the result was taken: ben was 64 in May 2015.
    added(client, ben, ben, "weight", 60.7, "kg", "2015-05-01T08:00:00+00:00")
    added(client, ben, ben, "height", 170, "cm", "2015-04-01T08:00:00+00:00")
    old = Result.objects.get(customer=ben, test__code="bmi", taken_at__year=2015)
    assert old.interpretation == "normal"
    # A sex given later reads the results again.
    set_profile(cleo, sex="male")
    assert Result.objects.get(customer=cleo, test__code="hdl").interpretation == "normal"


def test_bmi_is_derived_from_weight_and_the_latest_height_and_again_on_corrections(
    client, make_user
):
    dana = make_user(Role.CUSTOMER)
    # A weight before any height has no BMI.
    added(client, dana, dana, "weight", 80, "kg", at(0))
    assert current(dana, "bmi") == []
    height = added(client, dana, dana, "height", 180, "cm", at(1))
    w2 = added(client, dana, dana, "weight", 81, "kg", at(2))
    added(client, dana, dana, "weight", 82, "kg", at(3))
    assert [round(v, 2) for _, v in current(dana, "bmi")] == [25.0, 25.31]
    derived = Result.objects.filter(customer=dana, test__code="bmi")
    assert {r.source for r in derived} == {"derived"}
    # A height entered earlier gives the first weight its BMI too.
    added(client, dana, dana, "height", 175, "cm", at(-1))
    assert [round(v, 2) for _, v in current(dana, "bmi")] == [26.12, 25.0, 25.31]
    # The later height corrected: the BMI after it is corrected (the old one kept).
    response = post(
        client,
        dana,
        f"/api/results/{height['id']}/amend",
        {"value": 170, "unit": "cm", "reason": "measured again"},
    )
    assert response.status_code == 201, response.content
    assert [round(v, 2) for _, v in current(dana, "bmi")] == [26.12, 28.03, 28.37]
    superseded = derived.filter(superseded_at__isnull=False)
    assert sorted(round(r.value, 2) for r in superseded) == [25.0, 25.31]
    fresh = derived.get(superseded_at__isnull=True, taken_at=w2["taken_at"])
    assert fresh.replaces is not None and round(fresh.replaces.value, 2) == 25.0
    # A weight moved to another moment takes its BMI with it.
    response = post(
        client,
        dana,
        f"/api/results/{w2['id']}/amend",
        {"value": 81, "unit": "kg", "taken_at": at(2, hours=5), "reason": "wrong time"},
    )
    assert response.status_code == 201, response.content
    moments = [t.isoformat() for t, _ in current(dana, "bmi")]
    assert moments == [at(0), at(2, hours=5), at(3)]
