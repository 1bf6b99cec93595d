"""The goals and check-in pages: the customer's own, and a customer's goals for the
professionals of their care team only (anybody else: no such page)."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from tests.profiles.results_helpers import into_care

pytestmark = pytest.mark.django_db


def test_the_goals_and_check_in_pages_open_to_whom_they_are_for(client, make_user):
    customer, dietitian, stranger = (
        make_user(),
        make_user(Role.DIETITIAN),
        make_user(Role.DIETITIAN),
    )
    into_care(customer, dietitian)
    client.force_login(customer)
    for path, title in (("/check-in", "Check-in"), ("/goals", "My goals")):
        page = client.get(path)
        assert page.status_code == 200
        assert f"<title>{title} ·" in page.content.decode()
    assert client.get(f"/care/customers/{customer.pk}/goals").status_code == 302
    client.force_login(dietitian)
    page = client.get(f"/care/customers/{customer.pk}/goals")
    assert page.status_code == 200
    assert "Goals of " + customer.public_name() in page.content.decode()
    assert client.get("/check-in").status_code == 404
    client.force_login(stranger)
    assert client.get(f"/care/customers/{customer.pk}/goals").status_code == 404
