"""Sign-up tells nobody whether an address is registered; addresses are verified by a
signed link, and until then the platform mails them nothing else; mail about a direct
message is a notice with a link unless the member asks for the text."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import User
from accounts.tasks import EXISTS_SUBJECT, VERIFY_SUBJECT
from accounts.verification import SALT, verification_token
from community.messaging import sending
from community.messaging import services as dm
from events.models import Event, Rsvp
from notifications.tasks import email_notice
from tests.helpers import CONSENT_FORM, CONSENTS, PASSWORD, api_json, bearer

# Mail is queued when the transaction commits: run with real commits.
pytestmark = pytest.mark.django_db(transaction=True)


def sign_up(client: Client, email: str, password: str = PASSWORD, name: str = "Nia New"):
    return client.post(
        "/api/auth/signup",
        {"email": email, "password": password, "display_name": name, "consents": CONSENTS},
        content_type="application/json",
    )


def link_in(message) -> str:
    found = re.search(r"https?://\S+/verify-email\?token=(\S+)", message.body)
    assert found, message.body
    return found.group(1)


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_sign_up_answers_the_same_for_a_registered_address(client, customer):
    new = sign_up(client, "nia.new@example.org")
    taken = sign_up(client, customer.email.upper(), password="another-pass-99", name="Eve")
    assert new.status_code == taken.status_code == 202
    new_body, taken_body = api_json(new), api_json(taken)
    assert new_body.keys() == taken_body.keys()
    assert new_body["message"] == taken_body["message"]
    assert (new_body["email"], taken_body["email"]) == ("nia.new@example.org", customer.email)

    # The new address is sent its link; the owner of the registered one is told instead,
    # and their account is untouched.
    assert [m.subject for m in mails_to("nia.new@example.org")] == [VERIFY_SUBJECT]
    [told] = mails_to(customer.email)
    assert told.subject == EXISTS_SUBJECT
    assert "/login" in told.body and "another-pass-99" not in told.body
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD) and customer.display_name != "Eve"
    assert User.objects.filter(email=customer.email).count() == 1


def test_the_sign_up_page_answers_the_same_for_a_registered_address(client, customer):
    pages = [
        client.post(
            "/signup", {"email": e, "password": PASSWORD, "display_name": "P", **CONSENT_FORM}
        )
        for e in ("page.new@example.org", customer.email)
    ]
    assert [p.status_code for p in pages] == [200, 200]
    texts = [
        p.content.decode().replace(e, "ADDRESS")
        for p, e in zip(pages, ("page.new@example.org", customer.email), strict=True)
    ]
    assert texts[0] == texts[1]
    assert "Check your mail" in texts[0]
    assert client.get("/api/me").status_code == 401  # nobody was signed in


def test_a_new_account_is_verified_by_the_link_it_was_mailed(client):
    sign_up(client, "vera@example.org")
    token = link_in(mails_to("vera@example.org")[0])
    user = User.objects.get(email="vera@example.org")
    me = api_json(client.get("/api/me", **bearer(user)))
    assert (me["email_verified"], me["email_verified_at"]) == (False, None)

    # Opening the link shows a button; only pressing it confirms.
    page = client.get(f"/verify-email?token={token}")
    assert page.status_code == 200 and "Confirm my address" in page.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None
    done = client.post("/verify-email", {"token": token})
    assert done.status_code == 200 and "your address is confirmed" in done.content.decode()
    assert api_json(client.get("/api/me", **bearer(user)))["email_verified"] is True


def test_the_api_verifies_and_refuses_bad_or_expired_links(client):
    sign_up(client, "api.vera@example.org")
    user = User.objects.get(email="api.vera@example.org")
    bad = client.post(
        "/api/auth/verify-email",
        {"token": "x" + verification_token(user)},
        content_type="application/json",
    )
    assert bad.status_code == 400 and api_json(bad)["code"] == "invalid_link"
    with override_settings(EMAIL_VERIFICATION_DAYS=3):
        old = signing.dumps({"u": user.pk, "e": user.email}, salt=SALT, compress=True)
        signer_time = timezone.now() - timedelta(days=4)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(signing.time, "time", lambda: signer_time.timestamp())
            old = signing.dumps({"u": user.pk, "e": user.email}, salt=SALT, compress=True)
        expired = client.post(
            "/api/auth/verify-email", {"token": old}, content_type="application/json"
        )
    assert expired.status_code == 400 and api_json(expired)["code"] == "link_expired"
    page = client.get(f"/verify-email?token={old}")
    assert page.status_code == 400 and "expired" in page.content.decode()
    ok = client.post(
        "/api/auth/verify-email",
        {"token": link_in(mails_to(user.email)[0])},
        content_type="application/json",
    )
    assert ok.status_code == 200 and api_json(ok)["email_verified_at"] is not None


def test_unverified_addresses_get_nothing_but_the_link(
    client, make_user, django_capture_on_commit_callbacks
):
    sign_up(client, "quiet@example.org")
    member = User.objects.get(email="quiet@example.org")
    sender = make_user(display_name="Sender")
    start = timezone.now() + timedelta(days=2)
    event = Event.objects.create(
        title="Cooking", kind="virtual", organiser=sender, time_zone="UTC", starts_at=start,
        ends_at=start + timedelta(hours=1),
    )  # fmt: skip
    Rsvp.objects.create(event=event, user=member, status=Rsvp.Status.GOING)
    mail.outbox.clear()

    assert email_notice(member.pk, "event.changed", {"event": event.pk}) is False
    conversation = dm.start_conversation(sender, [member.pk])
    with django_capture_on_commit_callbacks(execute=True):
        sending.send_direct_message(sender, conversation.pk, "hello there", "c1")
    assert mails_to(member.email) == []

    User.objects.filter(pk=member.pk).update(email_verified_at=timezone.now())
    assert email_notice(member.pk, "event.changed", {"event": event.pk}) is True
    assert [m.subject for m in mails_to(member.email)] == ["Changed: Cooking"]


@override_settings(ACCOUNT_MAILS_PER_HOUR=3)
def test_a_new_link_can_be_asked_for_a_few_times_an_hour(client, customer):
    sign_up(client, "again@example.org")  # the first of three
    member = User.objects.get(email="again@example.org")
    auth = bearer(member)
    statuses = [client.post("/api/auth/verify-email/resend", **auth).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    assert len(mails_to(member.email)) == 3
    # Sign-up with a registered address is held to the same count: no mail bombing.
    for _ in range(4):
        assert sign_up(client, customer.email).status_code == 202
    assert len(mails_to(customer.email)) == 3
    verified = client.post("/api/auth/verify-email/resend", **bearer(customer))
    assert verified.status_code == 409 and api_json(verified)["code"] == "already_verified"


def test_accounts_made_by_admins_and_commands_count_as_verified(make_user):
    assert make_user().email_verified_at is not None
    admin = make_user(role="admin")
    site = Client()
    site.login(email=admin.email, password=PASSWORD)
    response = site.post(
        "/admin/accounts/user/add/",
        {
            "email": "staff.made@example.org",
            "display_name": "Staff Made",
            "role": "customer",
            "password1": "quinoa-beet-tahini-77",
            "password2": "quinoa-beet-tahini-77",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(email="staff.made@example.org").email_verified_at is not None


def test_pages_show_an_unverified_member_how_to_verify(client, customer):
    sign_up(client, "banner@example.org")
    # Not confirmed yet: the sign-in page says how to go on (and signs nobody in) ...
    refused = client.post("/login", {"email": "banner@example.org", "password": PASSWORD})
    assert refused.status_code == 400
    assert "not confirmed yet: use the link we mailed you" in refused.content.decode()
    assert client.get("/api/me").status_code == 401
    # ... and a new link is asked for by address.
    assert "Get a new one" in client.get("/login").content.decode()
    resent = client.post("/verify-email/resend", {"email": "banner@example.org"})
    assert resent.status_code == 200 and "a new link is on its way" in resent.content.decode()
    assert [m.subject for m in mails_to("banner@example.org")] == [VERIFY_SUBJECT] * 2
    # A session that began before its address had to be confirmed is shown the banner.
    client.force_login(User.objects.get(email="banner@example.org"))
    page = client.get("/forum").content.decode()
    assert 'role="status"' in page and "Please confirm your e-mail address" in page
    resent = client.post("/verify-email/resend")
    assert resent.status_code == 200 and "a new link is on its way" in resent.content.decode()
    verified = Client()
    verified.post("/login", {"email": customer.email, "password": PASSWORD})
    assert "Please confirm your e-mail address" not in verified.get("/forum").content.decode()


def test_mail_about_a_message_says_who_wrote_not_what(
    client, make_user, django_capture_on_commit_callbacks
):
    alice = make_user(display_name="Alice")
    bob, carol = make_user(), make_user(email_message_text=True)
    for member, client_id in ((bob, "m1"), (carol, "m2")):
        conversation = dm.start_conversation(alice, [member.pk])
        with django_capture_on_commit_callbacks(execute=True):
            sending.send_direct_message(alice, conversation.pk, "my HbA1c was 9.1", client_id)
    [to_bob] = mails_to(bob.email)
    assert to_bob.subject == "You have a new message from Alice"
    assert "HbA1c" not in to_bob.subject + to_bob.body
    assert re.search(r"https?://\S+/\?conversation=\d+", to_bob.body)
    # Carol asked for the text in her mail.
    [to_carol] = mails_to(carol.email)
    assert "my HbA1c was 9.1" in to_carol.body
    # The choice is the member's, in their account settings.
    response = client.patch(
        "/api/me", {"email_message_text": True}, content_type="application/json", **bearer(bob)
    )
    assert api_json(response)["email_message_text"] is True
