"""Onboarding: the steps in order, each done when its requirements are met (consent
answered, required attributes given), the optional ones skipped; a Cognito account
starts at consent; "/" sends a customer who has not finished there, until "Later"."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.signals import signed_up
from profiles import values
from profiles.models import Attribute, Consent, Profile, ProfileValue
from tests.helpers import CONSENTS, api_json, bearer

pytestmark = pytest.mark.django_db


def step(client, user, key: str, body: dict | None = None):
    return client.post(
        f"/api/me/onboarding/{key}", body or {}, content_type="application/json", **bearer(user)
    )


def new_customer(consents: dict | None = CONSENTS) -> User:
    """A customer as sign-up (with answers) or a first Cognito sign-in (None) makes one."""
    user = User.objects.create_user(
        email=f"c{User.objects.count()}@example.org", password="x", role=Role.CUSTOMER
    )
    signed_up.send(sender=User, user=user, consents=consents)
    return user


def test_the_steps_go_in_order_and_each_needs_what_it_asks(client, make_user):
    # Of the starter attributes, only the date of birth is required here.
    Attribute.objects.exclude(key="birth_date").update(required=False)
    birth = Attribute.objects.get(key="birth_date", required=True)
    Attribute.objects.create(
        key="old_goal",
        labels={"en": "Old"},
        kind="text",
        required=True,
        retired_at=timezone.now(),
    )
    customer = new_customer()
    state = api_json(client.get("/api/me/onboarding", **bearer(customer)))
    assert state["step"] == "basics" and not state["done"]
    assert [(s["key"], s["done"]) for s in state["steps"]] == [
        ("consent", True), ("basics", False), ("measurements", False), ("dietitian", False)
    ]  # fmt: skip
    # Only what is required and not retired is missing.
    assert state["missing"] == ["birth_date"]

    ahead = step(client, customer, "measurements")
    assert ahead.status_code == 409 and api_json(ahead)["code"] == "step_not_reached"
    not_optional = client.post("/api/me/onboarding/skip", **bearer(customer))
    assert not_optional.status_code == 400 and api_json(not_optional)["code"] == "not_optional"
    missing = step(client, customer, "basics")
    assert missing.status_code == 400
    assert api_json(missing)["field"] == "values.birth_date"
    assert "birth_date" in api_json(missing)["message"]
    assert step(client, customer, "nonsense").status_code == 400

    ProfileValue.objects.create(
        customer=customer, attribute=birth, value="1990-04-02", audience="care_team"
    )
    assert api_json(step(client, customer, "basics"))["step"] == "measurements"
    no_result = step(client, customer, "measurements")
    assert no_result.status_code == 400 and api_json(no_result)["field"] == "measurements"
    after_skip = api_json(client.post("/api/me/onboarding/skip", **bearer(customer)))
    assert after_skip["step"] == "dietitian"
    nobody = step(client, customer, "dietitian")
    assert nobody.status_code == 400 and api_json(nobody)["field"] == "dietitian"

    # Asking a dietitian does the step: onboarding is done.
    dietitian = make_user(Role.DIETITIAN)
    asked = client.post(
        "/api/care-requests",
        {"professional_id": dietitian.pk},
        content_type="application/json",
        **bearer(customer),
    )
    assert asked.status_code == 201, asked.content
    done = api_json(client.get("/api/me/onboarding", **bearer(customer)))
    assert done["step"] == "done" and done["done"] and done["onboarded_at"]
    assert all(s["done"] for s in done["steps"])

    # Earlier steps may be done again: new consent answers are recorded.
    answers = {"care": False, "analytics": True, "marketing": False}
    assert step(client, customer, "consent", {"consents": answers}).status_code == 200
    standing = Consent.objects.filter(customer=customer, withdrawn_at__isnull=True)
    assert list(standing.values_list("purpose", flat=True)) == ["analytics"]


def test_accepting_a_dietitians_offer_does_the_dietitian_step(client, make_user):
    Attribute.objects.update(required=False)
    customer = new_customer()
    assert api_json(step(client, customer, "basics"))["step"] == "measurements"
    client.post("/api/me/onboarding/skip", **bearer(customer))
    dietitian = make_user(Role.DIETITIAN)
    offered = client.post(
        "/api/care-team",
        {"customer_id": customer.pk, "professional_id": dietitian.pk},
        content_type="application/json",
        **bearer(dietitian),
    )
    assert offered.status_code == 202, offered.content
    # An offer alone is no care team: the step waits.
    assert api_json(client.get("/api/me/onboarding", **bearer(customer)))["step"] == "dietitian"
    accepted = client.post(
        f"/api/care-requests/{api_json(offered)['id']}/accept", **bearer(customer)
    )
    assert accepted.status_code == 200, accepted.content
    assert api_json(client.get("/api/me/onboarding", **bearer(customer)))["done"]


def test_a_cognito_customer_answers_consent_first(client, make_user, user_pool):
    # No sign-up form asked them: their first sign-in starts onboarding at consent.
    first = client.get("/api/me/onboarding", HTTP_AUTHORIZATION=f"Bearer {user_pool.token()}")
    assert api_json(first)["step"] == "consent"
    customer = User.objects.get(cognito_sub=user_pool.claims()["sub"])
    assert not Consent.objects.filter(customer=customer).exists()
    assert step(client, customer, "basics").status_code == 409
    unanswered = step(client, customer, "consent")
    assert unanswered.status_code == 400 and api_json(unanswered)["field"] == "consents.care"
    partial = step(client, customer, "consent", {"consents": {"care": True}})
    assert partial.status_code == 422
    assert api_json(step(client, customer, "consent", {"consents": CONSENTS}))["step"] == "basics"
    assert Consent.objects.filter(customer=customer, purpose="care").exists()
    # Onboarding is for customers.
    dietitian = make_user(Role.DIETITIAN)
    assert client.get("/api/me/onboarding", **bearer(dietitian)).status_code == 403


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_home_sends_a_customer_who_has_not_finished_to_onboarding_until_later(make_user):
    customer = new_customer()
    client = signed_in(customer)
    sent = client.get("/")
    assert sent.status_code == 302 and sent["Location"] == "/onboarding"
    assert client.get("/onboarding").status_code == 200
    assert client.post("/onboarding/later")["Location"] == "/"
    assert client.get("/").status_code == 200
    # Finished: never sent; nor members from before onboarding (no profile), nor staff.
    Profile.objects.filter(customer=customer).update(
        onboarding_step="done", onboarded_at=timezone.now()
    )
    assert signed_in(customer).get("/").status_code == 200
    earlier = make_user(Role.CUSTOMER)
    assert signed_in(earlier).get("/").status_code == 200
    # Keeping a profile is not starting onboarding: such a member is still not sent.
    values.update_profile(earlier, earlier.pk, version=0, values={"city": "Lyon"}, audiences={})
    assert Profile.objects.filter(customer=earlier).exists()
    assert signed_in(earlier).get("/").status_code == 200
    dietitian = signed_in(make_user(Role.DIETITIAN))
    assert dietitian.get("/").status_code == 200
    assert dietitian.get("/onboarding").status_code == 403
