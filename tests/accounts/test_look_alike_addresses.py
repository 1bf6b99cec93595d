"""One normalisation of e-mail addresses on every door: text that only looks like a
registered address (an invisible character, a soft hyphen) makes no new account and no
mail to the real mailbox; forms of the same address find the same account; domains are
stored in the ASCII form mail is sent to."""

from __future__ import annotations

import importlib
import uuid

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client

from accounts.identity import InvalidEmail, normalize_email
from accounts.models import User
from tests.helpers import CONSENT_FORM, CONSENTS, PASSWORD, api_json, follow_verification_link

pytestmark = pytest.mark.django_db(transaction=True)

# Look-alikes of ``{}@r.test``: failed sign-ins count per address typed, in a Redis that
# outlives the test database, so each test fills in an address of its own.
LOOK_ALIKES = [
    "{}@r.test\u00ad",  # soft hyphen
    "{}@r.te\u00adst",
    "{}@r.test\ufeff",  # byte order mark
    "{}@r.test\u200c",  # zero-width non-joiner
    "{}@r.test\u200d",  # zero-width joiner
    "{}@r.test\u200b",  # zero-width space
    "{}\u2060@r.test",  # word joiner
    "{}@r.test\u2003",  # em space
    "{}@r.test\x1f",  # a control character
    "{}@r.test\ue000",  # private use
    "{}@r.test\u0378",  # unassigned
    "{} 2@r.test",
]


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def sign_up(client: Client, email: str, name: str = "Cee Two"):
    return client.post(
        "/api/auth/signup",
        {"email": email, "password": PASSWORD, "display_name": name, "consents": CONSENTS},
        content_type="application/json",
    )


@pytest.fixture
def local() -> str:
    return f"c2-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def registered(make_user, local) -> User:
    return make_user(email=f"{local}@r.test")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_look_alike_of_a_registered_address_is_refused_on_sign_up(
    client, registered, local, look_alike
):
    look_alike = look_alike.format(local)
    response = sign_up(client, look_alike)
    assert response.status_code == 400
    assert api_json(response)["code"] == "invalid_field"
    page = client.post(
        "/signup", {"email": look_alike, "password": PASSWORD, "display_name": "C", **CONSENT_FORM}
    )
    assert page.status_code == 400
    assert User.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_look_alike_of_a_new_address_is_refused_alike(client, look_alike):
    """The same answer whether or not the address is registered: nothing is told."""
    response = sign_up(client, look_alike.format("c3"))
    assert response.status_code == 400
    assert User.objects.count() == 0


@pytest.mark.parametrize("form", [str.upper, " {} ".format, full_width])
def test_other_forms_of_the_same_address_are_that_account(client, registered, form):
    """Full-width letters and upper case are the same mailbox: no new account, and its
    owner is told someone tried; signing in with that form finds the account."""
    same = form(registered.email)
    assert same != registered.email
    assert sign_up(client, same).status_code == 202
    assert User.objects.count() == 1
    assert len(mails_to(registered.email)) == 1
    tokens = client.post(
        "/api/auth/token", {"email": same, "password": PASSWORD}, content_type="application/json"
    )
    assert tokens.status_code == 200


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_look_alike_signs_in_to_nothing(client, registered, local, look_alike):
    response = client.post(
        "/api/auth/token",
        {"email": look_alike.format(local), "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert api_json(response)["code"] == "bad_credentials"


def test_a_domain_is_stored_in_ascii_and_found_by_any_of_its_forms(client):
    assert sign_up(client, "Dee@B\u00dccher.test").status_code == 202
    user = User.objects.get()
    assert user.email == "dee@xn--bcher-kva.test"
    assert len(mails_to("dee@xn--bcher-kva.test")) == 1  # where the account says
    follow_verification_link(client, user.email)
    for form in ("dee@b\u00fccher.test", "DEE@XN--BCHER-KVA.TEST"):
        response = client.post(
            "/api/auth/token",
            {"email": form, "password": PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200, form


@pytest.mark.parametrize("look_alike", LOOK_ALIKES[:6])
def test_a_new_link_for_a_look_alike_is_refused(client, local, look_alike):
    assert sign_up(client, f"{local}@r.test").status_code == 202
    mail.outbox.clear()
    response = client.post(
        "/api/auth/verify-email/request",
        {"email": look_alike.format(local)},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert mail.outbox == []


def test_the_admin_stores_the_normal_form_and_refuses_look_alikes(make_user, registered, local):
    admin = make_user(role="admin")
    site = Client()
    site.force_login(admin)
    form = {
        "display_name": "Staff Made",
        "role": "customer",
        "password1": "quinoa-beet-tahini-77",
        "password2": "quinoa-beet-tahini-77",
        "usable_password": "true",
    }
    look_alike = f"{local}@r.test\u200b"
    refused = site.post("/admin/accounts/user/add/", {**form, "email": look_alike})
    assert refused.status_code == 200 and "invisible" in refused.content.decode()
    taken = site.post("/admin/accounts/user/add/", {**form, "email": registered.email.upper()})
    assert taken.status_code == 200 and "already exists" in taken.content.decode()
    made = site.post("/admin/accounts/user/add/", {**form, "email": "Staff@B\u00fccher.test"})
    assert made.status_code == 302, made.content.decode()[:2000]
    assert User.objects.filter(email="staff@xn--bcher-kva.test").exists()


def test_cognito_addresses_are_normalised_and_never_take_a_local_account(
    client, user_pool, settings, registered
):
    settings.COGNITO_TOKEN_USE = ["id"]
    for claimed in (registered.email.upper(), f"{registered.email}\u200b"):
        token = user_pool.token(token_use="id", sub=f"sub-{len(claimed)}", email=claimed)
        me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert me.status_code == 200 and api_json(me)["email"] is None, claimed
    token = user_pool.token(token_use="id", sub="sub-unicode", email="Pool@B\u00fccher.test")
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_json(me)["email"] == "pool@xn--bcher-kva.test"


def test_the_normalisation_itself():
    assert normalize_email(" C2@R.Test ") == "c2@r.test"
    assert normalize_email(full_width("c2@r.test")) == "c2@r.test"
    assert normalize_email("a@fa\u00df.test") == "a@fass.test"
    looks = [template.format("c2") for template in LOOK_ALIKES]
    for bad in [*looks, "", "@r.test", "c2@", "c2", "c2@r..test", "x@" + "\u0130" * 80]:
        with pytest.raises(InvalidEmail):
            normalize_email(bad)


def test_stored_addresses_are_rewritten_to_the_normal_form_once(make_user):
    migration = importlib.import_module("accounts.migrations.0007_normalise_emails")
    unicode_domain = make_user()
    User.objects.filter(pk=unicode_domain.pk).update(email="Old@B\u00fccher.test")
    holder = make_user(email="twin@xn--bcher-kva.test")
    twin = make_user()
    User.objects.filter(pk=twin.pk).update(email="twin@b\u00fccher.test")
    hidden = make_user()
    User.objects.filter(pk=hidden.pk).update(email="c9@r.test\u200b")
    migration.normalise(apps, None)
    emails = dict(User.objects.values_list("pk", "email"))
    assert emails[unicode_domain.pk] == "old@xn--bcher-kva.test"
    assert emails[holder.pk] == "twin@xn--bcher-kva.test"
    # Left as they are: no door finds them any more.
    assert emails[twin.pk] == "twin@b\u00fccher.test"
    assert emails[hidden.pk] == "c9@r.test\u200b"


def test_accounts_made_by_scripts_are_stored_in_the_form_sign_in_finds(db):
    made = User.objects.create_user("Pat@Exämple.ORG", "plum-lentil-kale-42")
    assert made.email == "pat@xn--exmple-cua.org"
    with pytest.raises(InvalidEmail):
        User.objects.create_user("pat\u200b@example.org", "plum-lentil-kale-42")
