"""Profile attributes: the starter set, the JSON Schema generated from them and the
values it refuses (each error naming the field), definitions refused when wrong (API and
Django admin alike), retiring without losing values, and the history of every change."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib import admin
from jsonschema import Draft202012Validator

from accounts.roles import Role
from advice.models import CareTeamMember
from profiles import values
from profiles.attributes import active_attributes, definition
from profiles.definitions import DEFINITION_SCHEMA, DefinitionValidator, check_definition
from profiles.models import Attribute, Consent, ProfileChange, ProfileValue
from profiles.values import customer_today
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def patch(client, customer, body: dict[str, Any]):
    return client.patch(
        f"/api/customers/{customer.pk}/profile",
        body,
        content_type="application/json",
        **bearer(customer),
    )


def test_the_starter_attributes_in_english_and_french_and_their_schema(client, customer):
    fr = api_json(client.get("/api/profile/attributes?locale=fr", **bearer(customer)))
    assert [a["key"] for a in fr] == [
        "birth_date",
        "sex",
        "health_goals",
        "conditions",
        "allergies",
        "medications",
        "diet",
        "activity_level",
        "sleep_hours",
        "city",
        "bio",
    ]
    by_key = {a["key"]: a for a in fr}
    assert by_key["birth_date"]["label"] == "Date de naissance"
    assert by_key["sex"]["options"][0] == {"value": "female", "label": "Féminin"}
    assert by_key["sleep_hours"]["unit"] == "h" and by_key["sleep_hours"]["maximum"] == 24
    assert [k for k, a in by_key.items() if a["display_field"]] == ["city", "bio"]
    assert [k for k, a in by_key.items() if a["required"]] == ["birth_date", "sex", "health_goals"]
    assert {a["section"] for a in fr} == {"basics", "health", "lifestyle", "about"}
    assert all(a["label"] and a["labels"]["en"] and a["labels"]["fr"] for a in fr)
    # Every starter definition holds to the definitions' own schema.
    for attribute in Attribute.objects.all():
        check_definition(definition(attribute))

    schema = api_json(client.get("/api/profile/schema", **bearer(customer)))
    Draft202012Validator.check_schema(schema)
    DefinitionValidator.check_schema(DEFINITION_SCHEMA)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert schema["properties"]["birth_date"] == {
        "title": "Date of birth",
        "description": "Lab reference ranges depend on your age.",
        "type": "string",
        "format": "date",
        "x-allowFuture": False,
    }
    assert schema["properties"]["sleep_hours"]["maximum"] == 24
    assert schema["properties"]["city"]["maxLength"] == 80
    assert schema["properties"]["conditions"]["items"]["enum"][:2] == [
        "type_2_diabetes",
        "type_1_diabetes",
    ]
    assert schema["x-requiredAtOnboarding"] == ["birth_date", "sex", "health_goals"]


TOMORROW = (date.today() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"sleep_hours": 25}, "values.sleep_hours", "must be at most 24 h"),
        ({"sleep_hours": "seven"}, "values.sleep_hours", "must be a number"),
        ({"sleep_hours": True}, "values.sleep_hours", "must be a number"),
        ({"birth_date": "1980-02-30"}, "values.birth_date", "must be a real date"),
        ({"birth_date": "30/04/1980"}, "values.birth_date", "must be a real date"),
        ({"birth_date": TOMORROW}, "values.birth_date", "cannot be in the future"),
        ({"sex": "other"}, "values.sex", "must be one of the choices"),
        ({"conditions": ["ibs", "ibs"]}, "values.conditions", "lists the same choice twice"),
        ({"conditions": ["flu"]}, "values.conditions", "must be one of the choices"),
        ({"conditions": "ibs"}, "values.conditions", "must be a list of choices"),
        ({"city": "x" * 81}, "values.city", "must be at most 80 characters"),
        ({"bio": 12}, "values.bio", "must be text"),
        ({"height": 180}, "values.height", "no field 'height'"),
        # The first field at fault in the order of the page is named.
        ({"bio": 12, "sex": "other"}, "values.sex", "must be one of the choices"),
    ],
)
def test_values_are_checked_against_the_schema(client, customer, values, field, message):
    response = patch(client, customer, {"version": 0, "values": values})
    assert response.status_code == 400, response.content
    body = api_json(response)
    assert body["field"] == field
    assert message in body["message"]
    assert not ProfileValue.objects.filter(customer=customer).exists()


def test_good_values_of_every_kind_are_stored_as_given(client, customer, admin_user):
    smoker = {"key": "smoker", "labels": {"en": "Do you smoke?"}, "kind": "boolean"}
    made = client.post(
        "/api/profile/attributes", smoker, content_type="application/json", **bearer(admin_user)
    )
    assert made.status_code == 201, made.content
    response = patch(
        client,
        customer,
        {
            "version": 0,
            "values": {
                "birth_date": "1980-04-30",
                "sex": "female",
                # Chosen in any order, kept in the order of the options.
                "health_goals": ["eat_healthier", "lose_weight"],
                "sleep_hours": 7.5,
                "city": "  Montréal ",
                "smoker": False,
                "bio": "",  # blank is "not given"
            },
        },
    )
    assert response.status_code == 200, response.content
    fields = {f["key"]: f["value"] for f in api_json(response)["fields"]}
    assert fields["birth_date"] == "1980-04-30"
    assert fields["health_goals"] == ["lose_weight", "eat_healthier"]
    assert fields["sleep_hours"] == 7.5
    assert fields["city"] == "Montréal"
    assert fields["smoker"] is False
    assert fields["bio"] is None
    assert api_json(response)["version"] == 1


def test_the_future_is_measured_in_the_customers_own_day(make_user):
    # Kiribati is a day ahead of most of the world: its today is not a future date.
    islander = make_user(time_zone="Pacific/Kiritimati")
    assert customer_today(islander) >= date.today()


BAD_DEFINITIONS = [
    ({"key": "w", "labels": {"en": "W"}, "kind": "number"}, "key"),
    ({"key": "waist", "labels": {"fr": "Tour"}, "kind": "number"}, "labels.en"),
    ({"key": "waist", "labels": {"en": "W"}, "kind": "colour"}, "kind"),
    ({"key": "waist", "labels": {"en": "W"}, "kind": "text", "unit": "cm"}, "unit"),
    (
        {"key": "waist", "labels": {"en": "W"}, "kind": "number", "minimum": 9, "maximum": 3},
        "maximum",
    ),
    ({"key": "code", "labels": {"en": "C"}, "kind": "text", "pattern": "([a-z"}, "pattern"),
    ({"key": "code", "labels": {"en": "C"}, "kind": "number", "pattern": "[0-9]+"}, "pattern"),
    ({"key": "mood", "labels": {"en": "M"}, "kind": "choice"}, "options"),
    (
        {
            "key": "mood",
            "labels": {"en": "M"},
            "kind": "choice",
            "options": [
                {"value": "ok", "labels": {"en": "OK"}},
                {"value": "ok", "labels": {"en": "Fine"}},
            ],
        },
        "options.1.value",
    ),
    (
        {"key": "weight", "labels": {"en": "W"}, "kind": "number", "display_field": True},
        "display_field",
    ),
    (
        {"key": "motto", "labels": {"en": "M"}, "kind": "text", "default_audience": "community"},
        "default_audience",
    ),
    ({"key": "when", "labels": {"en": "W"}, "kind": "date", "minimum": 1}, "minimum"),
]


@pytest.mark.parametrize(("body", "field"), BAD_DEFINITIONS)
def test_definitions_are_refused_when_wrong(client, admin_user, body, field):
    response = client.post(
        "/api/profile/attributes", body, content_type="application/json", **bearer(admin_user)
    )
    assert response.status_code == 400, response.content
    assert api_json(response)["field"] == field
    assert api_json(response)["code"] == "invalid_definition"


def test_only_admins_define_and_the_django_admin_checks_the_same(client, make_user, admin_user):
    body = {"key": "waist", "labels": {"en": "Waist"}, "kind": "number", "unit": "cm"}
    for role in (Role.CUSTOMER, Role.DIETITIAN, Role.MODERATOR):
        refused = client.post(
            "/api/profile/attributes",
            body,
            content_type="application/json",
            **bearer(make_user(role)),
        )
        assert refused.status_code == 403
    # The Django admin: definitions only, never a member's values or their history.
    assert admin.site.is_registered(Attribute)
    for model in (ProfileValue, ProfileChange):
        assert not admin.site.is_registered(model)
    client.force_login(admin_user)
    form = {
        "key": "waist",
        "labels": '{"en": "Waist"}',
        "help_texts": "{}",
        "kind": "text",
        "unit": "cm",
        "options": "[]",
        "section": "basics",
        "order": "5",
        "default_audience": "care_team",
    }
    page = client.post("/admin/profiles/attribute/add/", form)
    assert page.status_code == 200
    assert "only numbers have a unit" in page.content.decode()
    assert (
        client.post("/admin/profiles/attribute/add/", {**form, "kind": "number"}).status_code == 302
    )
    assert Attribute.objects.get(key="waist").unit == "cm"


def test_a_changed_definition_keeps_its_key_and_its_kind_once_it_has_values(
    client, customer, admin_user
):
    def change(key: str, body: dict[str, Any]):
        return client.patch(
            f"/api/profile/attributes/{key}",
            body,
            content_type="application/json",
            **bearer(admin_user),
        )

    assert patch(client, customer, {"version": 0, "values": {"sleep_hours": 8}}).status_code == 200
    renamed = change("sleep_hours", {"labels": {"en": "Sleep", "fr": "Sommeil"}, "maximum": 16})
    assert renamed.status_code == 200 and api_json(renamed)["label"] == "Sleep"
    assert api_json(change("sleep_hours", {"kind": "text"}))["field"] == "kind"
    assert api_json(change("sleep_hours", {"key": "rest"}))["field"] == "key"
    assert api_json(change("sleep_hours", {"minimum": 20}))["field"] == "maximum"
    assert change("nothing_here", {"order": 3}).status_code == 404


def test_a_retired_attribute_is_not_asked_for_but_its_values_stay(client, make_user, admin_user):
    customer = make_user()
    dietitian = make_user(Role.DIETITIAN)
    CareTeamMember.objects.create(customer=customer, professional=dietitian)
    Consent.objects.create(customer=customer, purpose="care", version="1")
    stored = patch(client, customer, {"version": 0, "values": {"diet": "vegan"}})
    assert stored.status_code == 200
    retired = client.post("/api/profile/attributes/diet/retire", **bearer(admin_user))
    assert retired.status_code == 200 and api_json(retired)["retired"] is True

    assert "diet" not in [a.key for a in active_attributes()]
    listed = api_json(client.get("/api/profile/attributes", **bearer(customer)))
    assert "diet" not in [a["key"] for a in listed]
    schema = api_json(client.get("/api/profile/schema", **bearer(customer)))
    assert "diet" not in schema["properties"]
    # Kept, and shown to the customer as retired; no longer accepted.
    own = api_json(client.get(f"/api/customers/{customer.pk}/profile", **bearer(customer)))
    diet = next(f for f in own["fields"] if f["key"] == "diet")
    assert (diet["value"], diet["retired"]) == ("vegan", True)
    for body in ({"values": {"diet": "vegetarian"}}, {"audiences": {"diet": "only_me"}}):
        refused = patch(client, customer, {"version": 1, **body})
        assert refused.status_code == 400
        assert api_json(refused)["code"] == "retired_field"
    care = api_json(client.get(f"/api/customers/{customer.pk}/profile", **bearer(dietitian)))
    assert "diet" not in [f["key"] for f in care["fields"]]
    assert ProfileValue.objects.get(customer=customer, attribute__key="diet").value == "vegan"


def test_every_change_is_in_the_history(client, customer, monkeypatch):
    assert patch(client, customer, {"version": 0, "values": {"city": "Lyon"}}).status_code == 200
    second = {"version": 1, "values": {"city": "Paris"}, "audiences": {"city": "community"}}
    assert patch(client, customer, second).status_code == 200
    # Saving what is already there changes nothing, not even the version.
    same = patch(client, customer, {"version": 2, "values": {"city": "Paris"}})
    assert api_json(same)["version"] == 2
    assert patch(client, customer, {"version": 2, "values": {"city": None}}).status_code == 200

    page = api_json(client.get(f"/api/customers/{customer.pk}/profile/history", **bearer(customer)))
    assert [
        (c["key"], c["old_value"], c["new_value"], c["old_audience"], c["new_audience"])
        for c in page["items"]
    ] == [
        ("city", "Paris", None, "community", "community"),
        ("city", "Lyon", "Paris", "only_me", "community"),
        ("city", None, "Lyon", "only_me", "only_me"),
    ]
    assert page["items"][0]["changed_by"] == {"id": customer.pk, "name": customer.display_name}
    assert page["next_cursor"] is None

    # Paged, newest first.
    monkeypatch.setattr(values, "HISTORY_PAGE", 2)
    url = f"/api/customers/{customer.pk}/profile/history"
    first = api_json(client.get(url, **bearer(customer)))
    rest = api_json(client.get(f"{url}?cursor={first['next_cursor']}", **bearer(customer)))
    assert [c["new_value"] for c in first["items"] + rest["items"]] == [None, "Paris", "Lyon"]
    assert rest["next_cursor"] is None
