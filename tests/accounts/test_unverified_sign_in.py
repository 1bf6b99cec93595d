"""An address not confirmed yet does not sign in, on any door, and the answer is that of a
wrong password: otherwise signing up and then signing in with the chosen password would
tell a new address (200) from a registered one (401)."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.test import Client, override_settings

from accounts import signin
from accounts.models import User
from tests.helpers import CONSENTS, PASSWORD, api_json, follow_verification_link

# Mail is queued when the transaction commits: run with real commits.
pytestmark = pytest.mark.django_db(transaction=True)

STRANGER = "192.0.2.81"
CHOSEN = "attackers-own-pass-77"


def fresh(name: str) -> str:
    """A new address each run: failed sign-ins count per address, in a Redis that
    outlives the test database."""
    return f"{name}-{uuid.uuid4().hex[:8]}@example.org"


@pytest.fixture(autouse=True)
def fresh_address() -> None:
    signin.forget_client(STRANGER)


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def sign_up(client: Client, email: str, password: str = PASSWORD):
    return client.post(
        "/api/auth/signup",
        {"email": email, "password": password, "display_name": "Nia New", "consents": CONSENTS},
        content_type="application/json",
    )


def token(client: Client, email: str, password: str):
    return client.post(
        "/api/auth/token",
        {"email": email, "password": password},
        content_type="application/json",
    )


def test_sign_up_then_sign_in_answers_the_same_for_a_new_and_a_registered_address(client, customer):
    probe = fresh("probe")
    for email in (probe, customer.email):
        assert sign_up(client, email, CHOSEN).status_code == 202
    new, registered = (token(client, e, CHOSEN) for e in (probe, customer.email))
    assert new.status_code == registered.status_code == 401
    assert api_json(new) == api_json(registered)
    assert api_json(new) == {"code": "bad_credentials", "message": "wrong email or password"}
    assert "edt_known" not in new.cookies


@override_settings(SIGN_IN_ACCOUNT_FAILURES=3)
def test_the_right_password_of_an_unverified_account_counts_as_a_failure(client, customer):
    """Were it not counted, the limit would tell the two apart after a few tries."""
    probe = fresh("counted")
    assert sign_up(client, probe, CHOSEN).status_code == 202
    assert sign_up(client, customer.email, CHOSEN).status_code == 202
    for email in (probe, customer.email):
        stranger = Client(REMOTE_ADDR=STRANGER)
        statuses = [token(stranger, email, CHOSEN).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429], email


def test_no_door_signs_in_an_unverified_account_until_the_link_is_followed(client):
    email = fresh("every.door")
    assert sign_up(client, email).status_code == 202
    User.objects.filter(email=email).update(role="admin")  # the admin's login too
    # The API's session login, the page, the app token, the admin and the backend.
    api = client.post(
        "/api/auth/login", {"email": email, "password": PASSWORD}, content_type="application/json"
    )
    assert api.status_code == 401 and api_json(api)["code"] == "bad_credentials"
    page = client.post("/login", {"email": email, "password": PASSWORD})
    assert page.status_code == 400
    assert (
        "wrong email or password, or your address is not confirmed yet: use the link we mailed"
        in page.content.decode()
    )
    assert token(client, email, PASSWORD).status_code == 401
    admin = client.post("/admin/login/?next=/admin/", {"username": email, "password": PASSWORD})
    assert admin.status_code == 200 and "correct email" in admin.content.decode()
    assert Client().login(email=email, password=PASSWORD) is False
    assert client.get("/api/me").status_code == 401

    follow_verification_link(client, email)
    assert token(client, email, PASSWORD).status_code == 200
    assert client.post("/login", {"email": email, "password": PASSWORD}).status_code == 302
    admin = Client().post("/admin/login/?next=/admin/", {"username": email, "password": PASSWORD})
    assert admin.status_code == 302
    assert Client().login(email=email, password=PASSWORD) is True


def test_a_new_link_is_asked_for_by_address_and_the_answer_tells_nothing(client, customer):
    lost = fresh("lost.link")
    assert sign_up(client, lost).status_code == 202
    answers = [
        client.post(
            "/api/auth/verify-email/request", {"email": email}, content_type="application/json"
        )
        for email in (lost, customer.email, fresh("nobody"))
    ]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert api_json(answers[0]) == api_json(answers[1]) == api_json(answers[2])
    # The unconfirmed address got a second link; the confirmed one was sent nothing.
    assert len(mails_to(lost)) == 2
    assert mails_to(customer.email) == []
    follow_verification_link(client, lost)  # the newer link works
    assert token(client, lost, PASSWORD).status_code == 200
