"""Members change their own region once per REGION_CHANGE_DAYS; staff set anyone's, and
that is audited; every region or role change reaches open sockets (rights narrowed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.signals import rights_narrowed
from tests.helpers import api_json, bearer

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
