"""Every read or change of a member's account by someone else is in the access audit log,
and the member sees who by role and display name, never by e-mail address."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.audit import record_access
from accounts.models import AccessAuditEntry
from accounts.roles import Role
from tests.helpers import PASSWORD, api_json, bearer

pytestmark = pytest.mark.django_db


def my_log(client: Client, user) -> list[dict]:
    return api_json(client.get("/api/me/access-log", **bearer(user)))["items"]


def test_listing_users_audits_every_listed_account_and_only_those(client, make_user):
    moderator = make_user(Role.MODERATOR, display_name="Morgan Mod")
    listed = [make_user(), make_user()]
    response = client.get("/api/users?role=customer&limit=200", **bearer(moderator))
    assert response.status_code == 200
    ids = [u["id"] for u in api_json(response)["items"]]
    assert {u.pk for u in listed} <= set(ids)
    for user in listed:
        entries = my_log(client, user)
        assert [(e["action"], e["resource"], e["door"]) for e in entries] == [
            ("list", "account", "http")
        ]
        assert entries[0]["actor_name"] == "Morgan Mod"
        assert entries[0]["actor_role"] == "moderator"

    # A page that does not hold an account writes nothing about it.
    later = make_user()
    page = api_json(client.get("/api/users?role=customer&limit=1&offset=0", **bearer(moderator)))
    assert later.pk not in [u["id"] for u in page["items"]]
    assert page["count"] >= 3
    assert my_log(client, later) == []


def test_deactivating_activating_and_changing_roles_are_audited(client, make_user):
    admin = make_user(Role.ADMIN, display_name="Ada Admin")
    member = make_user()
    assert client.post(f"/api/users/{member.pk}/deactivate", **bearer(admin)).status_code == 200
    assert client.post(f"/api/users/{member.pk}/activate", **bearer(admin)).status_code == 200
    response = client.put(
        f"/api/users/{member.pk}/role",
        {"role": "dietitian"},
        content_type="application/json",
        **bearer(admin),
    )
    assert response.status_code == 200
    entries = my_log(client, member)
    assert [(e["action"], e["resource"]) for e in entries] == [
        ("change", "role"),
        ("activate", "account"),
        ("deactivate", "account"),
    ]
    assert {e["actor_label"] for e in entries} == {"Ada Admin (Admin)"}


def test_the_member_never_sees_a_staff_email_address(client, make_user):
    moderator = make_user(Role.MODERATOR, display_name="Sam")
    member = make_user()
    client.get(f"/api/users/{member.pk}", **bearer(moderator))
    # An entry written before roles were stored held the reader's address as its label.
    AccessAuditEntry.objects.create(
        actor=moderator,
        subject=member,
        actor_label=moderator.email,
        subject_label=member.email,
        action="view",
        resource="account",
        door="http",
    )
    raw = client.get("/api/me/access-log", **bearer(member)).content.decode()
    assert moderator.email not in raw
    entries = api_json(client.get("/api/me/access-log", **bearer(member)))["items"]
    assert [(e["actor_role"], e["actor_name"]) for e in entries] == [("moderator", "Sam")] * 2
    stored = AccessAuditEntry.objects.filter(subject=member, actor_role="moderator").get()
    assert stored.actor_label == "Sam"
    assert "@" not in stored.subject_label


def test_the_django_admin_audits_lists_and_change_views(make_user):
    admin = make_user(Role.ADMIN, display_name="Ada")
    member = make_user()
    site = Client()
    site.login(email=admin.email, password=PASSWORD)
    assert site.get("/admin/accounts/user/").status_code == 200
    assert site.get(f"/admin/accounts/user/{member.pk}/change/").status_code == 200
    assert site.get(f"/admin/accounts/user/{member.pk}/password/").status_code == 200
    entries = AccessAuditEntry.objects.filter(subject=member, door="admin")
    assert sorted((e.action, e.resource) for e in entries) == [
        ("list", "account"),
        ("view", "account"),
        ("view", "password"),
    ]
    assert {e.actor_id for e in entries} == {admin.pk}
    # The admin's own account is listed too, but reading oneself is not audited.
    assert not AccessAuditEntry.objects.filter(subject=admin).exists()


def test_record_access_writes_many_subjects_in_one_insert(make_user):
    host = make_user(Role.DIETITIAN, display_name="Dana")
    people = [make_user() for _ in range(5)]
    with CaptureQueriesContext(connection) as queries:
        entries = record_access(host, [*people, host], "view", "presence", "ws")
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert sorted(e.subject_id for e in entries) == sorted(p.pk for p in people)
    # Ids work as well as users.
    assert [e.subject_id for e in record_access(host, [people[0].pk], "view", "chat", "ws")] == [
        people[0].pk
    ]


def test_the_django_admin_audits_the_delete_confirmation_and_the_deletion(make_user):
    admin = make_user(Role.ADMIN, display_name="Ada")
    member, others = make_user(), [make_user(), make_user()]
    site = Client()
    site.force_login(admin)
    # The confirmation page shows the member's address: a view.
    page = site.get(f"/admin/accounts/user/{member.pk}/delete/")
    assert page.status_code == 200 and member.email in page.content.decode()
    entries = AccessAuditEntry.objects.filter(subject_id=member.pk, door="admin")
    assert [(e.action, e.resource) for e in entries] == [("view", "account")]
    # Deleting writes its own entry, which outlives the account.
    deleted = site.post(f"/admin/accounts/user/{member.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    entries = AccessAuditEntry.objects.filter(subject_id=member.pk, door="admin")
    assert sorted((e.action, e.resource) for e in entries) == [
        ("delete", "account"),
        ("view", "account"),
    ]
    # "Delete selected": its confirmation lists the addresses, and the deletion follows.
    chosen = {"action": "delete_selected", "_selected_action": [str(o.pk) for o in others]}
    confirm = site.post("/admin/accounts/user/", chosen)
    assert confirm.status_code == 200 and others[0].email in confirm.content.decode()
    assert site.post("/admin/accounts/user/", {**chosen, "post": "yes"}).status_code == 302
    for other in others:
        entries = AccessAuditEntry.objects.filter(subject_id=other.pk, door="admin")
        assert sorted((e.action, e.resource) for e in entries) == [
            ("delete", "account"),
            ("view", "account"),
        ]
    assert {e.actor_id for e in AccessAuditEntry.objects.filter(door="admin")} == {admin.pk}


def test_reading_the_audit_log_is_audited_once_per_person_shown(client, make_user):
    admin = make_user(Role.ADMIN, display_name="Ada")
    moderator = make_user(Role.MODERATOR)
    alice, bob, carol = make_user(), make_user(), make_user()
    record_access(moderator, [alice, alice, bob], "view", "account", "http")
    record_access(moderator, [alice], "change", "region", "http")
    record_access(moderator, [carol], "view", "account", "http")

    page = api_json(client.get("/api/audit?limit=3", **bearer(admin)))
    shown = {item["subject_id"] for item in page["items"]}
    assert page["count"] == 4 and len(page["items"]) == 3
    reads = AccessAuditEntry.objects.filter(actor=admin, resource="access log")
    assert sorted(e.subject_id for e in reads) == sorted(shown)
    assert {(e.action, e.door) for e in reads} == {("view", "http")}
    # The member sees that an admin read entries about them.
    assert ("view", "access log") in {(e["action"], e["resource"]) for e in my_log(client, carol)}

    # Filtered to one person: one entry about that person.
    before = list(reads.values_list("id", flat=True))
    assert client.get(f"/api/audit?subject_id={bob.pk}", **bearer(admin)).status_code == 200
    assert [e.subject_id for e in reads.exclude(id__in=before)] == [bob.pk]


def test_the_django_admin_audits_reading_the_audit_log(make_user):
    admin = make_user(Role.ADMIN, display_name="Ada")
    moderator, member = make_user(Role.MODERATOR), make_user()
    [entry] = record_access(moderator, [member], "view", "account", "http")
    site = Client()
    site.force_login(admin)
    assert site.get("/admin/accounts/accessauditentry/").status_code == 200
    assert site.get(f"/admin/accounts/accessauditentry/{entry.pk}/change/").status_code == 200
    reads = AccessAuditEntry.objects.filter(actor=admin, subject=member, resource="access log")
    assert [(e.action, e.door) for e in reads] == [("view", "admin")] * 2
