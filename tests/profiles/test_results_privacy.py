"""What a professional of the care team learns from a customer's results, beyond the
values shared with them: ranges and interpretations only from the sex and birth date
they may see, and BMI only while they see both weight and height; and what they write is
in the customer's access log."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accounts.models import AccessAuditEntry, User
from accounts.roles import Role
from profiles import results as results_module
from tests.helpers import api_json, bearer
from tests.profiles.results_helpers import added, at, get, into_care, post

pytestmark = pytest.mark.django_db

PROFILE = {"sex": "female", "birth_date": "1950-01-01"}
# Each read differently by sex or age: HDL and ferritin by sex (none without), waist by
# sex (adults only), BMI 21 by age band (low from 65, normal in the range for any age);
# glucose alike for everybody.
ENTRIES = (
    ("hdl", 1.1, "mmol/L", at(0)),
    ("ferritin", 20, "ug/L", at(0)),
    ("waist", 95, "cm", at(0)),
    ("glucose_fasting", 6.1, "mmol/L", at(0)),
    ("height", 170, "cm", at(-1)),
    ("weight", 60.7, "kg", at(0)),
)
CSV = "test,value,unit,taken_at\nhdl,1.0,mmol/L,2024-04-01\nwaist,90,cm,2024-04-01\n"


def patch_profile(client, customer: User, values: dict[str, Any], audiences: dict[str, str]):
    version = api_json(get(client, customer, f"/api/customers/{customer.pk}/profile"))["version"]
    response = client.patch(
        f"/api/customers/{customer.pk}/profile",
        {"version": version, "values": values, "audiences": audiences},
        content_type="application/json",
        **bearer(customer),
    )
    assert response.status_code == 200, response.content


def everything_read(client, viewer: User, customer: User) -> dict[str, Any]:
    """Every range and interpretation ``viewer`` is shown of ``customer``'s results, on
    every door, without ids and times (which differ from customer to customer)."""
    base = f"/api/customers/{customer.pk}"
    tests = api_json(get(client, viewer, f"{base}/tests"))["tests"]
    seen: dict[str, Any] = {
        "tests": {
            t["code"]: (t["range"], t["latest"] and t["latest"]["interpretation"]) for t in tests
        },
        "results": sorted(
            (r["test"], r["interpretation"])
            for r in api_json(get(client, viewer, f"{base}/results"))["items"]
        ),
    }
    for code in seen["tests"]:
        series = api_json(get(client, viewer, f"{base}/results/series?test={code}"))
        seen[f"series {code}"] = (series["range"], [p["i"] for p in series["points"]])
    bundle = json.loads(get(client, viewer, f"{base}/results.fhir").content)
    seen["fhir"] = sorted(
        (
            e["resource"]["code"]["text"],
            json.dumps(e["resource"].get("interpretation")),
            json.dumps(e["resource"].get("referenceRange")),
        )
        for e in bundle["entry"]
    )
    preview = api_json(post(client, viewer, f"{base}/results/import/csv", {"csv": CSV}))
    seen["preview"] = [(r["test"], r["interpretation"]) for r in preview["rows"]]
    return seen


def a_customer(client, make_user, professional: User) -> User:
    customer = make_user(Role.CUSTOMER)
    into_care(customer, professional)
    for test, value, unit, taken_at in ENTRIES:
        added(client, customer, customer, test, value, unit, taken_at)
    return customer


@pytest.mark.parametrize("hidden", [("sex",), ("birth_date",), ("sex", "birth_date")])
def test_ranges_and_interpretations_tell_the_care_team_no_sex_or_age_kept_from_them(
    client, make_user, hidden
):
    dietitian = make_user(Role.DIETITIAN)
    cora = a_customer(client, make_user, dietitian)
    patch_profile(client, cora, PROFILE, {key: "only_me" for key in hidden})
    # Her twin gave only what Cora shares with the care team.
    twin = a_customer(client, make_user, dietitian)
    shown = {k: v for k, v in PROFILE.items() if k not in hidden}
    if shown:
        patch_profile(client, twin, shown, {})

    as_dietitian = everything_read(client, dietitian, cora)
    assert as_dietitian == everything_read(client, dietitian, twin)
    # Cora herself reads them by all she gave, and that is what is stored: had the
    # comparison been with herself, it would differ.
    assert everything_read(client, cora, cora) != as_dietitian
    items = api_json(get(client, cora, f"/api/customers/{cora.pk}/results"))["items"]
    interpretations = {r["test"]: r["interpretation"] for r in items}
    assert interpretations["hdl"] == "low" and interpretations["bmi"] == "low"
    if "sex" in hidden:
        assert as_dietitian["tests"]["hdl"] == (None, "")
        assert as_dietitian["tests"]["waist"][1] == ""
    if "birth_date" in hidden:
        assert as_dietitian["tests"]["bmi"][1] == "normal"  # the adults' range of any age

    # What the dietitian enters or corrects is answered as they may read it, and stored as
    # Cora reads it.
    made = added(client, dietitian, cora, "hdl", 1.2, "mmol/L", at(3))
    fixed = api_json(
        post(
            client,
            dietitian,
            f"/api/results/{made['id']}/amend",
            {"value": 1.15, "unit": "mmol/L", "reason": "typo"},
        )
    )
    history = api_json(get(client, dietitian, f"/api/results/{fixed['id']}/history"))
    expected = "low" if "sex" not in hidden else ""
    assert [made["interpretation"], fixed["interpretation"]] == [expected] * 2
    assert [r["interpretation"] for r in history] == [expected] * 2
    mine = api_json(get(client, cora, f"/api/results/{fixed['id']}/history"))
    assert [r["interpretation"] for r in mine] == ["low", "low"]


def test_the_care_team_sees_bmi_only_while_it_sees_both_weight_and_height(
    client, make_user, monkeypatch
):
    dietitian = make_user(Role.DIETITIAN)
    dora = a_customer(client, make_user, dietitian)
    base = f"/api/customers/{dora.pk}"
    bmi = next(
        r for r in api_json(get(client, dora, f"{base}/results"))["items"] if r["test"] == "bmi"
    )

    def bmi_seen() -> dict[str, Any]:
        tests = [t["code"] for t in api_json(get(client, dietitian, f"{base}/tests"))["tests"]]
        items = api_json(get(client, dietitian, f"{base}/results"))["items"]
        bundle = json.loads(get(client, dietitian, f"{base}/results.fhir").content)
        return {
            "tests": "bmi" in tests,
            "results": any(r["test"] == "bmi" for r in items),
            "series": get(client, dietitian, f"{base}/results/series?test=bmi").status_code,
            "history": get(client, dietitian, f"/api/results/{bmi['id']}/history").status_code,
            "fhir": any(
                e["resource"]["code"]["text"].startswith("Body mass") for e in bundle["entry"]
            ),
        }

    shown = {"tests": True, "results": True, "series": 200, "history": 200, "fhir": True}
    hidden = {"tests": False, "results": False, "series": 404, "history": 404, "fhir": False}
    assert bmi_seen() == shown
    told: list[tuple[Any, ...]] = []
    monkeypatch.setattr(results_module, "tell_result", lambda *args: told.append(args))
    for source in ("height", "weight"):
        client.put(
            f"{base}/tests/{source}/audience",
            {"audience": "only_me"},
            content_type="application/json",
            **bearer(dora),
        )
        assert bmi_seen() == hidden, source
        # A new weight makes a BMI the care team is not told of either.
        added(client, dora, dora, "weight", 61, "kg", at(5 if source == "height" else 6))
        assert [t[1] for t in told] == ([] if source == "weight" else ["weight"])
        told.clear()
        client.put(
            f"{base}/tests/{source}/audience",
            {"audience": "care_team"},
            content_type="application/json",
            **bearer(dora),
        )
        assert bmi_seen() == shown, source
    # Dora's own page shows what she chose for BMI, and what it is computed from.
    client.put(
        f"{base}/tests/height/audience",
        {"audience": "only_me"},
        content_type="application/json",
        **bearer(dora),
    )
    mine = {t["code"]: t for t in api_json(get(client, dora, f"{base}/tests"))["tests"]}
    assert (mine["bmi"]["audience"], mine["bmi"]["derived_from"]) == (
        "care_team",
        ["weight", "height"],
    )


def test_what_a_professional_writes_is_in_the_customers_access_log_and_hers_is_not(
    client, make_user
):
    eve = make_user(Role.CUSTOMER)
    dietitian = make_user(Role.DIETITIAN)
    into_care(eve, dietitian)
    log = AccessAuditEntry.objects.filter(subject=eve)
    base = f"/api/customers/{eve.pk}"
    # Eve's own writes write nothing.
    own = added(client, eve, eve, "weight", 70, "kg", at(0))
    post(
        client,
        eve,
        f"/api/results/{own['id']}/amend",
        {"value": 71, "unit": "kg", "reason": "typo"},
    )
    post(client, eve, f"{base}/results/import/csv", {"csv": CSV, "commit": True})
    assert not log.exists()

    made = added(client, dietitian, eve, "weight", 69, "kg", at(1))
    assert list(log.values_list("actor_id", "action", "resource", "door")) == [
        (dietitian.pk, "add", "results", "http")
    ]
    fixed = post(
        client,
        dietitian,
        f"/api/results/{made['id']}/amend",
        {"value": 68, "unit": "kg", "reason": "typo"},
    )
    assert fixed.status_code == 201
    assert log.order_by("-id").values_list("action", "resource")[0] == ("amend", "results")
    csv = "test,value,unit,taken_at\nhdl,1.0,mmol/L,2024-05-01\n"
    post(client, dietitian, f"{base}/results/import/csv", {"csv": csv})
    post(client, dietitian, f"{base}/results/import/csv", {"csv": csv, "commit": True})
    assert list(log.order_by("id").values_list("action", "resource"))[2:] == [
        ("preview", "results"),
        ("import", "results"),
    ]
