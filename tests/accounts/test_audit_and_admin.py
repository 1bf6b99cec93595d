from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client

from accounts.audit import record_access
from accounts.models import AccessAuditEntry
from accounts.roles import Role
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


def test_audit_entries_cannot_be_changed_or_deleted_through_the_orm(make_user):
    dietitian, customer = make_user(Role.DIETITIAN), make_user(Role.CUSTOMER)
    [entry] = record_access(dietitian, [customer], "view", "profile", "ws")
    entry.action = "nothing to see"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessAuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(PermissionError):
        AccessAuditEntry.objects.filter(pk=entry.pk).delete()
    assert AccessAuditEntry.objects.get(pk=entry.pk).action == "view"


@pytest.mark.postgres
def test_the_database_refuses_to_rewrite_the_audit_log(make_user):
    dietitian, customer = make_user(Role.DIETITIAN), make_user(Role.CUSTOMER)
    [entry] = record_access(dietitian, [customer], "view", "profile", "http")
    for sql in (
        "UPDATE accounts_accessauditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM accounts_accessauditentry WHERE id = %s",
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert AccessAuditEntry.objects.get(pk=entry.pk).action == "view"


def test_the_audit_trail_survives_the_deletion_of_the_reader(make_user):
    dietitian, customer = make_user(Role.DIETITIAN), make_user(Role.CUSTOMER)
    record_access(dietitian, [customer], "view", "profile", "http")
    label = dietitian.public_name()
    dietitian.delete()
    assert AccessAuditEntry.objects.get(subject=customer).actor_label == label


def test_admin_role_opens_the_django_admin_and_customers_do_not(make_user):
    admin = make_user(Role.ADMIN)  # an admin by role, not a Django superuser
    customer = make_user(Role.CUSTOMER)
    staff_client, customer_client = Client(), Client()
    staff_client.login(email=admin.email, password=PASSWORD)
    customer_client.login(email=customer.email, password=PASSWORD)
    assert staff_client.get("/admin/accounts/user/").status_code == 200
    audit_page = staff_client.get("/admin/accounts/accessauditentry/")
    assert audit_page.status_code == 200
    assert customer_client.get("/admin/accounts/user/").status_code == 302


def test_an_admin_demoted_in_the_django_admin_loses_the_superuser_flag_and_the_admin(make_user):
    boss = make_user(Role.ADMIN, is_superuser=True)
    other = make_user(Role.ADMIN, is_superuser=True)
    staff = Client()
    assert staff.login(email=boss.email, password=PASSWORD)
    form = staff.get(f"/admin/accounts/user/{other.pk}/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {"role": "customer", "is_superuser": "on", "is_active": "on", "date_joined_0": "2026-01-01",
         "date_joined_1": "10:00:00"}
    )  # fmt: skip
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("access_valid_after", None)
    data.pop("email_verified_at", None)
    saved = staff.post(f"/admin/accounts/user/{other.pk}/change/", data)
    assert saved.status_code == 302, saved.content[:2000]

    other.refresh_from_db()
    assert other.role == Role.CUSTOMER and not other.is_superuser
    assert not other.is_staff and not other.has_perm("accounts.change_user")
    demoted = Client()
    assert demoted.login(email=other.email, password=PASSWORD)
    assert demoted.get("/admin/accounts/user/").status_code == 302  # to the admin login


@pytest.mark.parametrize("selected", ["'9'", "9x", "", "-1", "1.0", "\u0661", str(2**64)])
@pytest.mark.parametrize("confirmed", [False, True])
def test_admin_actions_naming_objects_by_anything_but_an_id_get_a_400(
    make_user, selected, confirmed
):
    admin = make_user(Role.ADMIN, is_superuser=True)
    member = make_user()
    entry = record_access(admin, [member], "view", "account", "http")[0]
    site = Client(raise_request_exception=False)
    site.force_login(admin)
    form = {"action": "delete_selected", "_selected_action": [str(member.pk), selected]}
    if confirmed:
        form["post"] = "yes"
    for url in ("/admin/accounts/user/", "/admin/accounts/accessauditentry/"):
        response = site.post(url, form)
        assert response.status_code == 400, (url, response.status_code)
    member.refresh_from_db()
    assert AccessAuditEntry.objects.filter(pk=entry.pk).exists()
