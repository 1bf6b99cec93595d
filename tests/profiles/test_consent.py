"""Consent per purpose: the texts and their versions, granting only the current text,
withdrawing at once (the care team loses the health record in the same request, and
their sockets are told), the history; and sign-up, which asks each question explicitly."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import User
from accounts.roles import Role
from accounts.signals import SIGN_UP_CONSENTS, rights_narrowed
from advice import services as care
from core.errors import NotFound
from profiles import consents
from profiles.models import Consent, Profile
from profiles.permissions import Relation, check_can_read_record
from tests.helpers import CONSENT_FORM, CONSENTS, PASSWORD, api_json, bearer

pytestmark = pytest.mark.django_db


def post(client, path: str, body: dict | None = None, user=None):
    auth = bearer(user) if user is not None else {}
    return client.post(path, body or {}, content_type="application/json", **auth)


def mine(client, user, purpose: str) -> dict:
    found = api_json(client.get("/api/me/consents", **bearer(user)))
    return next(c for c in found if c["purpose"] == purpose)


def test_the_texts_are_public_and_sign_up_asks_for_each_purpose(client):
    texts = api_json(client.get("/api/consents/texts"))
    assert [t["purpose"] for t in texts] == ["care", "analytics", "marketing"]
    assert all(t["version"] and t["label"] and t["text"] for t in texts)
    # Sign-up asks exactly these (accounts, a floor below, names them itself).
    assert set(SIGN_UP_CONSENTS) == set(Consent.Purpose.values) == set(consents.TEXTS)


def test_grant_only_the_current_text_and_keep_the_history(client, customer, monkeypatch):
    stale = post(client, "/api/me/consents/care", {"version": "0"}, customer)
    assert stale.status_code == 409
    assert api_json(stale)["code"] == "stale_text" and api_json(stale)["field"] == "version"
    unknown = post(client, "/api/me/consents/gossip", {"version": "1"}, customer)
    assert unknown.status_code == 404 and api_json(unknown)["field"] == "purpose"

    granted = api_json(post(client, "/api/me/consents/care", {"version": "1"}, customer))
    assert granted["granted"] and granted["agreed_version"] == "1"
    # The same text again changes nothing.
    post(client, "/api/me/consents/care", {"version": "1"}, customer)
    assert Consent.objects.filter(customer=customer).count() == 1

    assert client.delete("/api/me/consents/care", **bearer(customer)).status_code == 204
    gone = mine(client, customer, "care")
    assert not gone["granted"] and gone["withdrawn_at"] and gone["agreed_version"] is None
    post(client, "/api/me/consents/care", {"version": "1"}, customer)

    # A new text: the standing consent still counts, and the member is asked to review.
    monkeypatch.setitem(
        consents.TEXTS, "care", consents.ConsentText("care", "Care", "2", "New words.")
    )
    review = mine(client, customer, "care")
    assert review["granted"] and (review["agreed_version"], review["version"]) == ("1", "2")
    assert post(client, "/api/me/consents/care", {"version": "1"}, customer).status_code == 409
    renewed = api_json(post(client, "/api/me/consents/care", {"version": "2"}, customer))
    assert renewed["agreed_version"] == "2"
    history = renewed["history"]
    assert [h["version"] for h in history] == ["2", "1", "1"]
    assert history[0]["withdrawn_at"] is None
    assert all(h["withdrawn_at"] for h in history[1:])


def test_withdrawing_care_hides_the_record_from_the_care_team_at_once(
    client, customer, make_user, admin_user
):
    dietitian = make_user(Role.DIETITIAN)
    care.add_to_care_team(admin_user, customer, dietitian)
    post(client, "/api/me/consents/care", {"version": "1"}, customer)
    assert check_can_read_record(dietitian, customer) == Relation.CARE

    told: list[list[int]] = []

    def heard(sender, user_ids, **kwargs):
        told.append(user_ids)

    rights_narrowed.connect(heard)
    try:
        assert client.delete("/api/me/consents/care", **bearer(customer)).status_code == 204
    finally:
        rights_narrowed.disconnect(heard)
    assert told == [[dietitian.pk]]
    with pytest.raises(NotFound):
        check_can_read_record(dietitian, customer)
    # Withdrawing what is not given changes nothing, and tells no one.
    assert client.delete("/api/me/consents/marketing", **bearer(customer)).status_code == 204


def sign_up(client, **extra):
    body = {"email": "nia@example.org", "password": PASSWORD, "display_name": "Nia", **extra}
    return client.post("/api/auth/signup", body, content_type="application/json")


def test_sign_up_needs_an_explicit_answer_to_each_question(
    client, django_capture_on_commit_callbacks
):
    for consents_given, named in [
        (None, "consents"),
        ({"care": True, "analytics": False}, "consents.marketing"),
        ({"care": None, "analytics": False, "marketing": False}, "consents.care"),
        ({"care": "yes", "analytics": False, "marketing": False}, "consents.care"),
    ]:
        extra = {} if consents_given is None else {"consents": consents_given}
        refused = sign_up(client, **extra)
        assert refused.status_code == 422, refused.content
        assert named in api_json(refused)["message"]
    # A form that did not show the questions is refused too.
    page = client.post(
        "/signup", {"email": "nia@example.org", "password": PASSWORD, "display_name": "Nia"}
    )
    assert page.status_code == 400 and b"answer the consent question" in page.content
    assert not User.objects.exists() and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        assert sign_up(client, consents=CONSENTS).status_code == 202
    nia = User.objects.get(email="nia@example.org")
    assert list(Consent.objects.filter(customer=nia).values_list("purpose", "version")) == [
        ("care", "1")
    ]
    # The consent step is done: onboarding starts at the basics.
    assert Profile.objects.get(customer=nia).onboarding_step == "basics"

    # On the page, each box is a question; a box left unticked is a no.
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            "/signup",
            {
                "email": "ola@example.org",
                "password": PASSWORD,
                "display_name": "Ola",
                **CONSENT_FORM,
                "consent_marketing": "yes",
            },
        )
    assert page.status_code == 200 and b"Check your mail" in page.content
    ola = User.objects.get(email="ola@example.org")
    assert set(Consent.objects.filter(customer=ola).values_list("purpose", flat=True)) == {
        "care",
        "marketing",
    }
