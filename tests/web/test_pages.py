from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from tests.helpers import CONSENT_FORM, PASSWORD, follow_verification_link

pytestmark = pytest.mark.django_db


def test_home_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login")


def test_sign_in_page_signs_in_and_the_chat_page_shows_who_is_signed_in(customer):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/login")
    token = page.context["csrf_token"]
    response = browser.post(
        "/login", {"email": customer.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    home = browser.get("/")
    assert home.status_code == 200
    assert f"{customer.display_name} · Customer" in home.content.decode()


def test_sign_in_page_shows_a_clear_error(client, customer):
    response = client.post("/login", {"email": customer.email, "password": "wrong-wrong"})
    assert response.status_code == 400
    assert "wrong email or password" in response.content.decode()


def test_sign_in_page_refuses_offsite_redirects(client, customer):
    response = client.post(
        "/login",
        {"email": customer.email, "password": PASSWORD, "next": "https://evil.example.com/"},
    )
    assert response["Location"] == "/"


def test_sign_up_page_creates_a_customer_who_then_signs_in(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/signup",
            {
                "email": "page.person@example.org",
                "password": PASSWORD,
                "display_name": "Page Person",
                **CONSENT_FORM,
            },
        )
    assert response.status_code == 200
    assert "Check your mail" in response.content.decode()
    assert User.objects.get(email="page.person@example.org").role == "customer"
    follow_verification_link(client, "page.person@example.org")
    client.post("/login", {"email": "page.person@example.org", "password": PASSWORD})
    # A new customer starts with onboarding.
    first = client.get("/", follow=True)
    assert first.redirect_chain == [("/onboarding", 302)]
    assert "Page Person · Customer" in first.content.decode()


def test_sign_up_page_explains_a_weak_password(client):
    response = client.post(
        "/signup",
        {"email": "weak@example.org", "password": "12345", "display_name": "W", **CONSENT_FORM},
    )
    assert response.status_code == 400
    assert "too short" in response.content.decode()


def test_sign_out_needs_post_and_ends_the_session(client, customer):
    client.post("/login", {"email": customer.email, "password": PASSWORD})
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("path", ["/login", "/signup", "/api/docs"])
def test_pages_carry_a_strict_content_security_policy(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "http" not in policy


def test_the_api_docs_load_their_assets_from_this_site(client):
    page = client.get("/api/docs").content.decode()
    assert "cdn." not in page and "/static/ninja/" in page
