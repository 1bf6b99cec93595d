"""Sign-in limits: per client and per account, and an attacker cannot lock the owner out
of a browser or address they signed in from before. Every door uses them, the Django
admin's login too."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client, RequestFactory, override_settings

from accounts import signin
from accounts.roles import Role
from tests.helpers import PASSWORD, api_json, bearer

pytestmark = pytest.mark.django_db

ATTACKER, OWNER, STRANGER = "203.0.113.66", "198.51.100.7", "192.0.2.44"
LIMITS = override_settings(SIGN_IN_ACCOUNT_FAILURES=4, SIGN_IN_CLIENT_FAILURES=7)


@pytest.fixture(autouse=True)
def fresh_addresses() -> None:
    for address in (ATTACKER, OWNER, STRANGER):
        signin.forget_client(address)


def from_address(address: str, **kwargs) -> Client:
    return Client(REMOTE_ADDR=address, **kwargs)


def token(client: Client, email: str, password: str):
    return client.post(
        "/api/auth/token",
        {"email": email, "password": password},
        content_type="application/json",
    )


def spend_the_account(email: str, times: int = 4) -> Client:
    attacker = from_address(ATTACKER)
    for _ in range(times):
        assert token(attacker, email, "not-the-password").status_code == 401
    return attacker


@LIMITS
def test_an_attacker_does_not_lock_the_owner_out_of_a_browser_they_used(customer):
    owner = from_address(OWNER)
    page = owner.post("/login", {"email": customer.email, "password": PASSWORD})
    assert page.status_code == 302
    owner.post("/logout")
    assert owner.get("/api/me").status_code == 401

    attacker = spend_the_account(customer.email)
    # The attacker is stopped even with the right password now ...
    refused = token(attacker, customer.email, PASSWORD)
    assert refused.status_code == 429
    assert api_json(refused)["code"] == "rate_limited"
    # ... also with a cookie it made up itself ...
    attacker.cookies["edt_known"] = str(customer.pk)
    assert token(attacker, customer.email, PASSWORD).status_code == 429
    # ... and so is any browser the account never signed in from ...
    assert token(from_address(STRANGER), customer.email, PASSWORD).status_code == 429
    # ... but the owner's browser, moved to another network meanwhile, still signs in.
    owner.defaults["REMOTE_ADDR"] = STRANGER
    response = owner.post(
        "/api/auth/login",
        {"email": customer.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert api_json(owner.get("/api/me"))["id"] == customer.pk


@LIMITS
def test_an_app_at_the_address_of_the_last_sign_in_is_known(customer):
    assert token(from_address(OWNER), customer.email, PASSWORD).status_code == 200
    spend_the_account(customer.email)
    # A fresh app (no cookies) at the owner's address signs in; elsewhere it waits.
    assert token(from_address(OWNER), customer.email, PASSWORD).status_code == 200
    assert token(from_address(STRANGER), customer.email, PASSWORD).status_code == 429
    # Known is not trusted: the password is still checked.
    wrong = token(from_address(OWNER), customer.email, "not-the-password")
    assert wrong.status_code == 401
    assert api_json(wrong)["code"] == "bad_credentials"


@LIMITS
def test_a_client_is_limited_whichever_accounts_it_tries(make_user):
    target = make_user()
    attacker = from_address(ATTACKER)
    run = uuid.uuid4().hex[:8]  # counts per address last a window: fresh ones each run
    for n in range(7):
        assert token(attacker, f"nobody{n}-{run}@example.org", "guess-1").status_code == 401
    refused = token(attacker, target.email, PASSWORD)
    assert refused.status_code == 429
    assert "from here" in api_json(refused)["message"]
    assert int(refused["Retry-After"]) > 0
    # The sign-in page says so too; other clients are not affected.
    page = attacker.post("/login", {"email": target.email, "password": PASSWORD})
    assert page.status_code == 400 and "too many failed sign-ins" in page.content.decode()
    assert token(from_address(STRANGER), target.email, PASSWORD).status_code == 200


@LIMITS
def test_the_admin_login_is_under_the_same_limits(make_user):
    admin = make_user(Role.ADMIN)
    site = from_address(ATTACKER)
    for _ in range(4):
        page = site.post(
            "/admin/login/?next=/admin/", {"username": admin.email, "password": "guess-guess-2"}
        )
        assert page.status_code == 200
    page = site.post("/admin/login/?next=/admin/", {"username": admin.email, "password": PASSWORD})
    assert page.status_code == 200
    assert "too many attempts" in page.content.decode()
    assert site.get("/admin/").status_code == 302  # still signed out
    # Failures at the admin login count on the other doors as well.
    assert token(site, admin.email, PASSWORD).status_code == 429
    # Forgetting the attacker's address does not give the account its allowance back.
    signin.forget_client(ATTACKER)
    assert token(site, admin.email, PASSWORD).status_code == 429


@LIMITS
def test_the_admin_signs_in_to_the_admin_from_a_known_address(make_user):
    admin = make_user(Role.ADMIN)
    assert token(from_address(OWNER), admin.email, PASSWORD).status_code == 200
    spend_the_account(admin.email)
    assert token(from_address(STRANGER), admin.email, PASSWORD).status_code == 429
    site = from_address(OWNER)
    page = site.post("/admin/login/?next=/admin/", {"username": admin.email, "password": PASSWORD})
    assert page.status_code == 302
    assert site.get("/admin/").status_code == 200


def test_forwarded_addresses_count_only_behind_the_proxy():
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    with override_settings(BEHIND_PROXY=False):
        assert signin.client_address(spoofed) == "10.0.0.5"
    chain = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    with override_settings(BEHIND_PROXY=True, TRUSTED_PROXY_HOPS=1):
        # The entry our proxy wrote, not the one the client made up in front of it.
        assert signin.client_address(chain) == "203.0.113.9"
    with override_settings(BEHIND_PROXY=True, TRUSTED_PROXY_HOPS=2):
        assert signin.client_address(chain) == "6.6.6.6"
    v6 = factory.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    other_v6 = factory.get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::9")
    assert signin.client_key(v6) == signin.client_key(other_v6) == "2001:db8:1:2::/64"


@LIMITS
def test_guessing_the_current_password_is_limited_per_account(customer, make_user):
    """A stolen token or session must not become a way to guess the password: wrong
    current passwords are held to the account limit, then 429 before any check."""
    app = from_address(ATTACKER)
    auth = bearer(customer)

    def change(current: str):
        return app.post(
            "/api/auth/password",
            {"current_password": current, "new_password": "fresh-fennel-pear-31"},
            content_type="application/json",
            **auth,
        )

    assert [change(f"guess-{n}").status_code for n in range(4)] == [403] * 4
    refused = change(PASSWORD)  # even the right one, now
    assert refused.status_code == 429
    assert api_json(refused)["code"] == "rate_limited" and api_json(refused)["retry_after"] > 0
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    # Another account is not affected.
    other = make_user()
    response = app.post(
        "/api/auth/password",
        {"current_password": PASSWORD, "new_password": "fresh-fennel-pear-31"},
        content_type="application/json",
        **bearer(other),
    )
    assert response.status_code == 204
