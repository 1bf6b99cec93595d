"""Local accounts over HTTP: sign-up, browser sessions with CSRF, app tokens, revocation."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import AccessAuditEntry, User
from accounts.roles import Role
from tests.helpers import (
    CONSENT_FORM,
    CONSENTS,
    PASSWORD,
    api_json,
    bearer,
    csrf_token,
    follow_verification_link,
)

pytestmark = pytest.mark.django_db


def post_json(client: Client, path: str, data: dict, **extra):
    return client.post(path, data, content_type="application/json", **extra)


def test_sign_up_then_token_then_me(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            client,
            "/api/auth/signup",
            {
                "email": "New.Person@Example.org",
                "password": PASSWORD,
                "display_name": "New Person",
                "consents": CONSENTS,
            },
        )
    assert response.status_code == 202, response.content
    assert api_json(response)["email"] == "new.person@example.org"
    assert User.objects.get(email="new.person@example.org").role == Role.CUSTOMER
    follow_verification_link(client, "new.person@example.org")

    tokens = api_json(
        post_json(
            client, "/api/auth/token", {"email": "new.person@example.org", "password": PASSWORD}
        )
    )
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert api_json(me)["display_name"] == "New Person"


def test_sign_up_refuses_role_escalation_duplicates_and_weak_passwords(client, customer):
    response = post_json(
        client,
        "/api/auth/signup",
        {
            "email": "x@example.org",
            "password": PASSWORD,
            "display_name": "X",
            "role": "admin",
            "consents": CONSENTS,
        },
    )
    assert response.status_code == 422
    assert "role" in api_json(response)["message"]

    # A registered address answers like a new one and changes nothing.
    response = post_json(
        client,
        "/api/auth/signup",
        {
            "email": customer.email.upper(),
            "password": "another-pass-99",
            "display_name": "Dup",
            "consents": CONSENTS,
        },
    )
    assert response.status_code == 202
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD) and customer.display_name != "Dup"

    response = post_json(
        client,
        "/api/auth/signup",
        {"email": "y@example.org", "password": "123", "display_name": "Y", "consents": CONSENTS},
    )
    assert response.status_code == 400
    assert api_json(response)["code"] == "weak_password"
    assert not User.objects.filter(email="y@example.org").exists()


def test_wrong_password_is_refused_without_saying_which_part(client, customer):
    response = post_json(
        client, "/api/auth/token", {"email": customer.email, "password": "nope-nope"}
    )
    assert response.status_code == 401
    assert api_json(response)["message"] == "wrong email or password"
    response = post_json(
        client, "/api/auth/token", {"email": "nobody@x.org", "password": "nope-nope"}
    )
    assert api_json(response)["message"] == "wrong email or password"


def test_browser_login_needs_csrf(browser, customer):
    credentials = {"email": customer.email, "password": PASSWORD}
    refused = post_json(browser, "/api/auth/login", credentials)
    assert refused.status_code == 403
    assert api_json(refused)["code"] == "csrf_failed"

    token = csrf_token(browser)
    response = post_json(browser, "/api/auth/login", credentials, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert api_json(browser.get("/api/me"))["id"] == customer.pk

    # A session write without the CSRF header is refused.
    patch = browser.patch("/api/me", {"display_name": "Changed"}, content_type="application/json")
    assert patch.status_code == 403
    customer.refresh_from_db()
    assert customer.display_name != "Changed"


def login_browser(browser: Client, user: User) -> str:
    token = csrf_token(browser)
    response = post_json(
        browser,
        "/api/auth/login",
        {"email": user.email, "password": PASSWORD},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    return str(browser.cookies["csrftoken"].value)


def test_logout_ends_sessions_and_tokens_everywhere(customer):
    phone = bearer(customer)
    laptop, tablet = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    csrf = login_browser(laptop, customer)
    login_browser(tablet, customer)
    assert Client().get("/api/me", **phone).status_code == 200

    response = laptop.post("/api/auth/logout", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 204

    assert laptop.get("/api/me").status_code == 401
    assert tablet.get("/api/me").status_code == 401
    refused = Client().get("/api/me", **phone)
    assert refused.status_code == 401
    assert api_json(refused)["code"] == "token_revoked"
    # Signing in again works.
    assert Client().get("/api/me", **bearer(customer)).status_code == 200


def test_refresh_token_gives_access_until_logout(client, customer):
    tokens = api_json(
        post_json(client, "/api/auth/token", {"email": customer.email, "password": PASSWORD})
    )
    refreshed = post_json(
        client, "/api/auth/token/refresh", {"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    access = api_json(refreshed)["access_token"]
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200

    # A refresh token is not an access token, and vice versa.
    wrong = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {tokens['refresh_token']}")
    assert wrong.status_code == 401
    wrong = post_json(client, "/api/auth/token/refresh", {"refresh_token": access})
    assert wrong.status_code == 401

    assert client.post("/api/auth/logout", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 204
    again = post_json(client, "/api/auth/token/refresh", {"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


def test_password_change_keeps_this_session_and_ends_the_others(customer):
    here, elsewhere = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    csrf = login_browser(here, customer)
    login_browser(elsewhere, customer)
    app = bearer(customer)

    new_password = "quinoa-beet-tahini-77"
    response = post_json(
        here,
        "/api/auth/password",
        {"current_password": PASSWORD, "new_password": new_password},
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 204, response.content
    assert here.get("/api/me").status_code == 200
    assert elsewhere.get("/api/me").status_code == 401
    assert Client().get("/api/me", **app).status_code == 401
    tokens = post_json(
        Client(), "/api/auth/token", {"email": customer.email, "password": new_password}
    )
    assert tokens.status_code == 200


def test_password_change_needs_the_current_password(client, customer):
    response = post_json(
        client,
        "/api/auth/password",
        {"current_password": "not-it-at-all", "new_password": "quinoa-beet-tahini-77"},
        **bearer(customer),
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_deactivation_by_an_admin_ends_access(client, customer, admin_user):
    app = bearer(customer)
    response = client.post(f"/api/users/{customer.pk}/deactivate", **bearer(admin_user))
    assert response.status_code == 200
    assert api_json(response)["is_active"] is False
    refused = client.get("/api/me", **app)
    assert refused.status_code == 401
    login = post_json(client, "/api/auth/token", {"email": customer.email, "password": PASSWORD})
    assert login.status_code == 401
    assert api_json(login)["code"] == "inactive"


def test_only_admins_and_moderators_manage_accounts(client, make_user):
    customer, other = make_user(Role.CUSTOMER), make_user(Role.CUSTOMER)
    dietitian, moderator = make_user(Role.DIETITIAN), make_user(Role.MODERATOR)

    # Those who may not see an account are told nothing about it: 404, as for no account.
    assert client.post(f"/api/users/{other.pk}/deactivate", **bearer(customer)).status_code == 404
    assert client.post(f"/api/users/{other.pk}/deactivate", **bearer(dietitian)).status_code == 404
    # Moderators manage customers, not dietitians.
    assert (
        client.post(f"/api/users/{dietitian.pk}/deactivate", **bearer(moderator)).status_code == 403
    )
    assert client.post(f"/api/users/{other.pk}/deactivate", **bearer(moderator)).status_code == 200
    role = client.put(
        f"/api/users/{customer.pk}/role",
        {"role": "admin"},
        content_type="application/json",
        **bearer(moderator),
    )
    assert role.status_code == 403
    customer.refresh_from_db()
    assert customer.role == Role.CUSTOMER


def test_admin_sets_roles(client, customer, admin_user):
    response = client.put(
        f"/api/users/{customer.pk}/role",
        {"role": "dietitian"},
        content_type="application/json",
        **bearer(admin_user),
    )
    assert api_json(response)["role"] == Role.DIETITIAN
    bad = client.put(
        f"/api/users/{customer.pk}/role",
        {"role": "overlord"},
        content_type="application/json",
        **bearer(admin_user),
    )
    assert bad.status_code == 400


def test_profile_fields_are_validated(client, customer):
    auth = bearer(customer)
    good = client.patch(
        "/api/me",
        {"locale": "fr-CA", "region": "ca-qc", "time_zone": "America/Montreal"},
        content_type="application/json",
        **auth,
    )
    assert good.status_code == 200
    assert api_json(good)["region"] == "ca-qc"
    for field, value in [("time_zone", "Mars/Olympus"), ("region", "Quebec!"), ("locale", "x")]:
        response = client.patch("/api/me", {field: value}, content_type="application/json", **auth)
        assert response.status_code == 400, (field, response.content)
        assert field in api_json(response)["message"]
    nul = client.patch(
        "/api/me", {"display_name": "a\x00b"}, content_type="application/json", **auth
    )
    assert nul.status_code == 422
    assert "NUL" in api_json(nul)["message"]
    customer.refresh_from_db()
    assert customer.region == "ca-qc"


def test_strangers_cannot_read_accounts_and_staff_reads_are_audited(client, make_user):
    alice, bob = make_user(Role.CUSTOMER), make_user(Role.CUSTOMER)
    moderator = make_user(Role.MODERATOR)
    assert client.get(f"/api/users/{alice.pk}", **bearer(bob)).status_code == 404
    assert client.get("/api/users", **bearer(bob)).status_code == 403

    assert client.get(f"/api/users/{alice.pk}", **bearer(moderator)).status_code == 200
    log = api_json(client.get("/api/me/access-log", **bearer(alice)))
    assert log["count"] == 1
    entry = log["items"][0]
    assert (entry["actor_role"], entry["actor_name"]) == ("moderator", moderator.display_name)
    assert (entry["action"], entry["resource"], entry["door"]) == ("view", "account", "http")
    # Reading one's own account is not an access by someone else.
    client.get(f"/api/users/{bob.pk}", **bearer(bob))
    assert not AccessAuditEntry.objects.filter(subject=bob).exists()


def test_an_account_id_tells_nothing_to_those_who_may_not_see_it(client, make_user):
    """Existing or not, the same 404, on every door of ``/api/users/{id}``."""
    customer, dietitian = make_user(Role.CUSTOMER), make_user(Role.DIETITIAN)
    existing, missing = make_user(Role.CUSTOMER).pk, 10**12
    doors = [
        ("get", "", None),
        ("post", "/deactivate", None),
        ("post", "/activate", None),
        ("put", "/region", {"region": "ca-on"}),
    ]
    for actor in (customer, dietitian):
        for method, suffix, body in doors:
            answers = [
                getattr(client, method)(
                    f"/api/users/{pk}{suffix}",
                    body,
                    content_type="application/json",
                    **bearer(actor),
                )
                for pk in (existing, missing)
            ]
            assert [a.status_code for a in answers] == [404, 404], (actor.role, suffix)
            assert api_json(answers[0]) == api_json(answers[1])
    assert not AccessAuditEntry.objects.exists()


def test_unknown_user_is_404_with_a_message(client, admin_user):
    response = client.get("/api/users/999999", **bearer(admin_user))
    assert response.status_code == 404
    assert api_json(response)["code"] == "not_found"


def test_password_set_outside_the_services_ends_tokens_and_sessions(customer):
    app = bearer(customer)
    laptop = Client()
    laptop.post("/login", {"email": customer.email, "password": PASSWORD})
    assert laptop.get("/api/me").status_code == 200

    customer.set_password("quinoa-beet-tahini-77")  # as the admin or changepassword do
    customer.save()

    assert Client().get("/api/me", **app).status_code == 401
    assert laptop.get("/api/me").status_code == 401


def test_reactivation_does_not_bring_old_tokens_back(client, customer, admin_user):
    app = bearer(customer)
    client.post(f"/api/users/{customer.pk}/deactivate", **bearer(admin_user))
    client.post(f"/api/users/{customer.pk}/activate", **bearer(admin_user))
    assert client.get("/api/me", **app).status_code == 401
    assert client.get("/api/me", **bearer(customer)).status_code == 200


def test_demoting_an_admin_takes_away_the_admin_site(client, make_user):
    boss = make_user(Role.ADMIN)
    old_admin = make_user(Role.ADMIN, is_superuser=True)
    client.put(
        f"/api/users/{old_admin.pk}/role",
        {"role": "customer"},
        content_type="application/json",
        **bearer(boss),
    )
    old_admin.refresh_from_db()
    assert not old_admin.is_superuser
    assert not old_admin.is_staff
    assert not old_admin.has_perm("accounts.change_user")


def test_admin_site_login_survives_an_earlier_logout(make_user):
    admin = make_user(Role.ADMIN)
    Client().post("/api/auth/logout", **bearer(admin))  # sets the revocation time
    site = Client()
    response = site.post(
        "/admin/login/?next=/admin/", {"username": admin.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert site.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "email",
    [
        "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org",  # valid, 313 characters
        "x@" + "İ" * 80 + ".com",  # grows past 254 when lowercased
    ],
)
def test_overlong_emails_are_refused_with_a_400(client, email):
    response = post_json(
        client,
        "/api/auth/signup",
        {"email": email, "password": PASSWORD, "display_name": "L", "consents": CONSENTS},
    )
    assert response.status_code in (400, 422)
    form = {"email": email, "password": PASSWORD, "display_name": "L", **CONSENT_FORM}
    page = client.post("/signup", form)
    assert page.status_code == 400


def test_a_malformed_session_cookie_is_ignored_not_a_500(client):
    client.cookies["sessionid"] = "\x00abcdefghijk"
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/me").status_code == 401
    assert client.get("/").status_code == 302


def test_password_guessing_is_slowed_down_per_address(client, customer):
    statuses = []
    for _ in range(12):
        response = post_json(
            client, "/api/auth/token", {"email": customer.email, "password": "guess-guess"}
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    body = api_json(response)
    assert body["code"] == "rate_limited" and body["retry_after"] > 0
    # Even the right password waits now; another address is not affected.
    right = post_json(client, "/api/auth/token", {"email": customer.email, "password": PASSWORD})
    assert right.status_code == 429
    page = client.post("/login", {"email": customer.email.upper(), "password": PASSWORD})
    assert page.status_code == 400 and "too many attempts" in page.content.decode()
