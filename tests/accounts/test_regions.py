"""Members change their own region once per REGION_CHANGE_DAYS; staff set anyone's, and
that is audited; every region or role change reaches open sockets (rights narrowed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.signals import rights_narrowed
from tests.helpers import CONSENT_FORM, CONSENTS, PASSWORD, api_json, bearer

pytestmark = pytest.mark.django_db


def patch_me(client, user, **fields):
    return client.patch("/api/me", fields, content_type="application/json", **bearer(user))


@pytest.fixture
def narrowed():
    """The user ids of every ``rights_narrowed`` sent (after a commit) during the test."""
    seen: list[list[int]] = []

    def note(sender, user_ids, **kwargs):
        seen.append(user_ids)

    rights_narrowed.connect(note)
    yield seen
    rights_narrowed.disconnect(note)


def test_a_member_sets_a_region_then_waits_to_change_it(client, make_user, settings):
    settings.REGION_CHANGE_DAYS = 30
    member = make_user(region="")
    assert api_json(patch_me(client, member, region="ca-on"))["region"] == "ca-on"
    # The same region again is no change.
    assert patch_me(client, member, region="ca-on").status_code == 200

    refused = patch_me(client, member, region="ca-qc")
    assert refused.status_code == 429
    body = api_json(refused)
    assert body["code"] == "region_change_too_soon"
    next_change = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d")
    assert next_change in body["message"]
    assert body["retry_after"] > 29 * 86400
    # Clearing it is a change too; other fields still change.
    assert patch_me(client, member, region="").status_code == 429
    assert api_json(patch_me(client, member, display_name="New Name"))["region"] == "ca-on"

    User.objects.filter(pk=member.pk).update(region_changed_at=timezone.now() - timedelta(days=31))
    assert api_json(patch_me(client, member, region="ca-qc"))["region"] == "ca-qc"


def test_staff_set_a_members_region_and_it_is_audited(client, make_user):
    moderator = make_user(Role.MODERATOR, display_name="Mo")
    member, dietitian = make_user(region="ca-on"), make_user(Role.DIETITIAN)
    put = lambda actor, user, region: client.put(  # noqa: E731
        f"/api/users/{user.pk}/region",
        {"region": region},
        content_type="application/json",
        **bearer(actor),
    )
    assert put(member, member, "ca-bc").status_code == 403
    assert put(moderator, dietitian, "ca-bc").status_code == 403
    assert api_json(put(moderator, member, "ca-bc"))["region"] == "ca-bc"
    assert put(moderator, member, "Quebec!").status_code == 400
    log = api_json(client.get("/api/me/access-log", **bearer(member)))["items"]
    assert [(e["actor_name"], e["action"], e["resource"]) for e in log] == [
        ("Mo", "change", "region"),
    ]
    # A staff change is the member's last change: they wait from then.
    assert patch_me(client, member, region="ca-on").status_code == 429


def test_region_and_role_changes_reach_open_sockets(
    client, make_user, narrowed, django_capture_on_commit_callbacks
):
    admin, member = make_user(Role.ADMIN), make_user(region="")
    with django_capture_on_commit_callbacks(execute=True):
        patch_me(client, member, region="ca-on")
    with django_capture_on_commit_callbacks(execute=True):
        client.put(
            f"/api/users/{member.pk}/role",
            {"role": "dietitian"},
            content_type="application/json",
            **bearer(admin),
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.put(
            f"/api/users/{member.pk}/region",
            {"region": "ca-qc"},
            content_type="application/json",
            **bearer(admin),
        )
    with django_capture_on_commit_callbacks(execute=True):
        patch_me(client, member, display_name="No rights change")
    assert narrowed == [[member.pk]] * 3


def test_the_regions_a_member_chooses_from_are_listed_and_no_other_is_taken(client, make_user):
    listed = api_json(client.get("/api/regions"))
    assert {"code": "ca-on", "label": "Ontario"} in listed
    assert {"code": "ca-qc", "label": "Quebec"} in listed
    member = make_user(region="")
    for unknown in ("xx-yy", "ca-zz", "Ontario"):
        refused = patch_me(client, member, region=unknown)
        assert refused.status_code == 400 and api_json(refused)["code"] == "invalid_field"
    assert api_json(patch_me(client, member, region=""))["region"] == ""


def test_sign_up_takes_a_region_and_a_time_zone_and_checks_them(
    client, django_capture_on_commit_callbacks
):
    def sign_up(email: str, **fields):
        body = {"email": email, "password": PASSWORD, "display_name": "Nia", **fields}
        body.setdefault("consents", CONSENTS)
        return client.post("/api/auth/signup", body, content_type="application/json")

    with django_capture_on_commit_callbacks(execute=True):
        made = sign_up("nia@example.org", region="ca-bc", time_zone="America/Vancouver")
    assert made.status_code == 202
    nia = User.objects.get(email="nia@example.org")
    assert (nia.region, nia.time_zone) == ("ca-bc", "America/Vancouver")
    for fields in ({"region": "bc"}, {"time_zone": "Mars/Olympus"}):
        refused = sign_up("other@example.org", **fields)
        assert refused.status_code == 400 and api_json(refused)["code"] == "invalid_field"
    assert not User.objects.filter(email="other@example.org").exists()


def test_the_sign_up_page_asks_region_and_zone(client, django_capture_on_commit_callbacks):
    page = client.get("/signup")
    assert b'name="region"' in page.content and b'name="time_zone"' in page.content
    assert b'value="ca-on"' in page.content and b'value="America/Toronto"' in page.content
    form = {
        **CONSENT_FORM,
        "display_name": "Ola",
        "email": "ola@example.org",
        "password": PASSWORD,
        "region": "ca-qc",
        "time_zone": "America/Montreal",
    }
    refused = client.post("/signup", {**form, "region": "ca-zz"})
    assert refused.status_code == 400 and b"region" in refused.content
    # What was typed stays in the form.
    assert b'value="ola@example.org"' in refused.content
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/signup", form)
    assert done.status_code == 200 and b"Check your mail" in done.content
    ola = User.objects.get(email="ola@example.org")
    assert (ola.region, ola.time_zone) == ("ca-qc", "America/Montreal")


def test_me_says_when_the_region_may_change_next(client, make_user, settings):
    settings.REGION_CHANGE_DAYS = 30
    member = make_user(region="")
    assert api_json(client.get("/api/me", **bearer(member)))["region_change_allowed_from"] is None
    patch_me(client, member, region="ca-on")
    allowed = api_json(client.get("/api/me", **bearer(member)))["region_change_allowed_from"]
    expected = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d")
    assert allowed.startswith(expected)
