"""Sign-up cannot be used to mail someone else the sign-up's own words, and one client
cannot make accounts (or account mail) without end: mail to an unverified address holds
nothing a member wrote, display names hold no line breaks on any door, and sign-ups are
limited per client the same way for every address."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client, override_settings

from accounts import limits, signin, verification
from accounts.models import User
from tests.helpers import CONSENT_FORM, CONSENTS, PASSWORD, api_json, bearer

pytestmark = pytest.mark.django_db(transaction=True)

ATTACKER, NEIGHBOUR = "203.0.113.70", "198.51.100.70"
PHISH = "Bob\n\nURGENT: your lab results: http://evil.example/x\n\n"


@pytest.fixture(autouse=True)
def fresh_addresses() -> None:
    for address in (ATTACKER, NEIGHBOUR):
        limits.forget(verification.sign_up_window(), signin.address_key(address))


def sign_up(client: Client, email: str, name: str = "Nia New"):
    return client.post(
        "/api/auth/signup",
        {"email": email, "password": PASSWORD, "display_name": name, "consents": CONSENTS},
        content_type="application/json",
    )


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_the_verification_mail_carries_no_display_name(client):
    """Whoever signs up may not own the address: the link mail holds only our words."""
    name = "URGENT your lab results are at http://evil.example/x"
    assert sign_up(client, "someone.else@victim.test", name).status_code == 202
    [message] = mails_to("someone.else@victim.test")
    assert "evil.example" not in message.body + message.subject
    assert "URGENT" not in message.body
    assert message.body.startswith("Hello,\n")
    # A resend is the same mail.
    client.post(
        "/api/auth/verify-email/request",
        {"email": "someone.else@victim.test"},
        content_type="application/json",
    )
    assert all("evil.example" not in m.body for m in mails_to("someone.else@victim.test"))


@pytest.mark.parametrize(
    "name",
    [
        PHISH,
        "Bob\rSmith",
        "Bob\tSmith",
        "Bob\u2028Smith",
        "Bob\u2029Smith",
        "Bob\u202eevil",
        "\x1b[31m",
    ],
)
def test_display_names_refuse_line_breaks_and_control_characters_on_every_door(
    client, make_user, name
):
    response = sign_up(client, "phish@victim.test", name)
    assert response.status_code == 400 and api_json(response)["code"] == "invalid_field"
    page = client.post(
        "/signup",
        {"email": "phish@victim.test", "password": PASSWORD, "display_name": name, **CONSENT_FORM},
    )
    assert page.status_code == 400
    assert not User.objects.filter(email="phish@victim.test").exists()
    assert mail.outbox == []

    member = make_user(display_name="Plain Name")
    patch = client.patch(
        "/api/me", {"display_name": name}, content_type="application/json", **bearer(member)
    )
    assert patch.status_code == 400 and api_json(patch)["code"] == "invalid_field"

    admin = make_user(role="admin")
    site = Client()
    site.force_login(admin)
    change = site.get(f"/admin/accounts/user/{member.pk}/change/")
    assert change.status_code == 200
    form = {
        "email": member.email,
        "display_name": name,
        "role": "customer",
        "locale": "en",
        "region": "",
        "time_zone": "UTC",
        "is_active": "on",
    }
    edited = site.post(f"/admin/accounts/user/{member.pk}/change/", form)
    assert edited.status_code == 200 and "line breaks" in edited.content.decode()
    member.refresh_from_db()
    assert member.display_name == "Plain Name"


def test_names_people_use_are_kept(client, make_user):
    member = make_user()
    for name in (
        "Zo\u00eb O'Brien-Sm\u00edth",
        "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627",
        "\U0001f469\u200d\U0001f373 Chef",
    ):
        patch = client.patch(
            "/api/me", {"display_name": name}, content_type="application/json", **bearer(member)
        )
        assert patch.status_code == 200 and api_json(patch)["display_name"] == name


def test_a_cognito_name_loses_its_line_breaks(client, user_pool):
    token = user_pool.token(sub="phishy-sub", username=PHISH)
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    assert api_json(me)["display_name"] == "Bob URGENT: your lab results: http://evil.example/x"


@override_settings(SIGN_UPS_PER_HOUR=4)
def test_sign_ups_are_limited_per_client_alike_for_every_address(make_user):
    registered = make_user()
    attacker = Client(REMOTE_ADDR=ATTACKER)
    answers = [sign_up(attacker, f"victim{n}@victim.test") for n in range(3)]
    answers.append(sign_up(attacker, registered.email))
    assert [a.status_code for a in answers] == [202] * 4
    # Past the limit, a new and a registered address get the same 429.
    new, taken = sign_up(attacker, "victim9@victim.test"), sign_up(attacker, registered.email)
    assert new.status_code == taken.status_code == 429
    assert api_json(new) == api_json(taken)
    assert api_json(new)["code"] == "rate_limited" and api_json(new)["retry_after"] > 0
    assert int(new["Retry-After"]) > 0
    assert not User.objects.filter(email="victim9@victim.test").exists()
    # The page and a request for a new link count in the same window.
    page = attacker.post(
        "/signup",
        {"email": "victim8@victim.test", "password": PASSWORD, "display_name": "V", **CONSENT_FORM},
    )
    assert page.status_code == 429
    again = attacker.post(
        "/api/auth/verify-email/request",
        {"email": "victim0@victim.test"},
        content_type="application/json",
    )
    assert again.status_code == 429
    # Another client is not held back.
    assert sign_up(Client(REMOTE_ADDR=NEIGHBOUR), "neighbour@victim.test").status_code == 202


@override_settings(SIGN_UPS_PER_HOUR=2)
def test_invalid_sign_ups_do_not_spend_the_allowance(client):
    for _ in range(3):
        assert sign_up(client, "not an address").status_code == 400
    assert sign_up(client, "first@victim.test").status_code == 202
    assert sign_up(client, "second@victim.test").status_code == 202
    assert sign_up(client, "third@victim.test").status_code == 429
