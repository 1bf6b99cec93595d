"""Alert rules over HTTP: admins keep the defaults, a professional of the care team
overrides one for a customer; a rule that could never be evaluated, or watches a value
no person could have, is refused with a 400 naming the field, and nothing is stored."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.roles import Role
from advice.models import AlertRule
from profiles.models import MedicalTest
from tests.advice.alert_helpers import get, patch, post, rule
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def test_admins_keep_the_defaults_and_professionals_read_them(client, admin_user, dietitian, cared):
    made = post(
        client,
        admin_user,
        "/api/alert-rules",
        {"name": "LDL high", "kind": "above", "test": "ldl", "threshold": 4.9, "age_min": 18},
    )
    assert made.status_code == 201, made.content
    body = api_json(made)
    assert (body["unit"], body["customer_id"], body["age_min"]) == ("mmol/L", None, 18)
    assert body["id"] in [r["id"] for r in api_json(get(client, dietitian, "/api/alert-rules"))]
    refused = post(
        client,
        dietitian,
        "/api/alert-rules",
        {"name": "x", "kind": "above", "test": "ldl", "threshold": 5},
    )
    assert refused.status_code == 403
    assert get(client, cared, "/api/alert-rules").status_code == 403
    changed = patch(client, admin_user, f"/api/alert-rules/{body['id']}", {"active": False})
    assert api_json(changed)["active"] is False
    assert client.delete(f"/api/alert-rules/{body['id']}", **bearer(admin_user)).status_code == 204
    assert not AlertRule.objects.filter(pk=body["id"]).exists()


BAD_RULES = [
    ({"kind": "above", "test": "systolic", "threshold": 500}, "threshold", "implausible"),
    ({"kind": "below", "test": "weight", "threshold": 1}, "threshold", "implausible"),
    ({"kind": "above", "test": "systolic"}, "threshold", "invalid_field"),
    ({"kind": "drop", "test": "weight", "threshold": 60, "days": 7}, "threshold", "out_of_range"),
    ({"kind": "drop", "test": "weight", "threshold": 0, "days": 7}, "threshold", "out_of_range"),
    ({"kind": "drop", "test": "weight", "threshold": 2}, "days", "out_of_range"),
    (
        {"kind": "mean_above", "test": "systolic", "threshold": 140, "days": 0},
        "days",
        "out_of_range",
    ),
    ({"kind": "missing", "test": "weight", "days": 400}, "days", "out_of_range"),
    (
        {"kind": "missing", "test": "weight", "days": 14, "threshold": 3},
        "threshold",
        "invalid_field",
    ),
    ({"kind": "above", "test": "systolic", "threshold": 150, "days": 3}, "days", "invalid_field"),
    ({"kind": "below", "threshold": 6}, "threshold", "out_of_range"),
    ({"kind": "above", "threshold": 4}, "test", "invalid_field"),
    ({"kind": "above", "test": "nope", "threshold": 4}, "test", "unknown_test"),
    (
        {"kind": "above", "test": "systolic", "threshold": 150, "age_min": 60, "age_max": 40},
        "age_max",
        "out_of_range",
    ),
]


@pytest.mark.parametrize(("fields", "field", "code"), BAD_RULES)
def test_a_bad_rule_is_refused_and_nothing_stored(client, admin_user, fields, field, code):
    before = AlertRule.objects.count()
    answer = post(client, admin_user, "/api/alert-rules", {"name": "bad", **fields})
    assert answer.status_code == 400, answer.content
    assert (api_json(answer)["field"], api_json(answer)["code"]) == (field, code)
    assert AlertRule.objects.count() == before


def test_odd_input_is_a_4xx(client, admin_user):
    for body in (
        {"name": "x", "kind": "sideways", "test": "weight", "threshold": 1},
        {"name": "x", "kind": "above", "test": "weight", "threshold": "NaN"},
        {"name": "x\x00", "kind": "above", "test": "weight", "threshold": 80},
        {"name": "x", "kind": "above", "test": "weight", "threshold": 80, "extra": 1},
        {"name": "x", "kind": "mean_above", "test": "weight", "threshold": 80, "days": 2**40},
    ):
        answer = post(client, admin_user, "/api/alert-rules", body)
        assert 400 <= answer.status_code < 500, (body, answer.content)
    assert (
        patch(client, admin_user, "/api/alert-rules/99999999", {"active": False}).status_code == 404
    )


def test_a_professional_overrides_a_default_for_a_customer_in_their_care(
    client, dietitian, cared, make_user
):
    default = rule(name="BP high", kind="above", test="systolic", threshold=150)
    path = "/api/alert-rules"
    outsider = make_user()
    for customer_id in (outsider.pk, 2**40):
        answer = post(
            client,
            dietitian,
            path,
            {"customer_id": customer_id, "overrides_id": default.pk, "threshold": 170},
        )
        assert answer.status_code == 404
    too_high = post(
        client,
        dietitian,
        path,
        {"customer_id": cared.pk, "overrides_id": default.pk, "threshold": 301},
    )
    assert too_high.status_code == 400 and api_json(too_high)["field"] == "threshold"
    made = post(
        client,
        dietitian,
        path,
        {"customer_id": cared.pk, "overrides_id": default.pk, "threshold": 170},
    )
    assert made.status_code == 201
    override = api_json(made)
    assert (override["kind"], override["test"], override["name"]) == (
        "above",
        "systolic",
        "BP high",
    )
    again = post(
        client,
        dietitian,
        path,
        {"customer_id": cared.pk, "overrides_id": default.pk, "threshold": 160},
    )
    assert again.status_code == 409
    in_force = api_json(get(client, dietitian, f"{path}?customer_id={cared.pk}"))
    ids = [r["id"] for r in in_force]
    assert override["id"] in ids and default.pk not in ids
    # The customer reads the rules watching them; a stranger is told nothing.
    assert override["id"] in [
        r["id"] for r in api_json(get(client, cared, f"{path}?customer_id={cared.pk}"))
    ]
    stranger = make_user(Role.DIETITIAN)
    assert get(client, stranger, f"{path}?customer_id={cared.pk}").status_code == 404
    assert (
        patch(client, stranger, f"{path}/{override['id']}", {"threshold": 160}).status_code == 404
    )
    bad = patch(client, dietitian, f"{path}/{override['id']}", {"threshold": 10})
    assert bad.status_code == 400
    assert AlertRule.objects.get(pk=override["id"]).threshold == 170
    off = patch(client, dietitian, f"{path}/{override['id']}", {"active": False})
    assert api_json(off)["active"] is False
    # A rule for one customer has no scope, and admins do not write them.
    scoped = post(
        client,
        dietitian,
        path,
        {
            "customer_id": cared.pk,
            "name": "w",
            "kind": "missing",
            "test": "weight",
            "days": 7,
            "sex": "female",
        },
    )
    assert scoped.status_code == 400


def test_admins_keep_defaults_in_the_django_admin_checked_as_the_api_checks(make_user, cared):
    site = Client()
    site.force_login(make_user(Role.ADMIN))
    systolic = MedicalTest.objects.get(code="systolic").pk
    add = "/admin/advice/alertrule/add/"
    base = {
        "name": "BP",
        "kind": "above",
        "test": systolic,
        "severity": "warning",
        "sex": "any",
        "active": "on",
    }
    refused = site.post(add, {**base, "threshold": "500"})
    assert refused.status_code == 200
    assert "can never be reached" in str(refused.context["adminform"].form.errors)
    assert not AlertRule.objects.filter(name="BP").exists()
    assert site.post(add, {**base, "threshold": "175"}).status_code == 302
    assert AlertRule.objects.get(name="BP").threshold == 175
    # A customer's own rule is not shown there.
    mine = rule(name="for Casey", kind="above", test="systolic", threshold=170, customer=cared)
    listing = site.get("/admin/advice/alertrule/")
    assert "BP" in listing.content.decode() and mine.name not in listing.content.decode()
