"""The settings page and "My customers": who may open them, and what they offer."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.post("/login", {"email": user.email, "password": PASSWORD})
    return client


def test_settings_need_a_session_and_offer_the_regions_and_zones(client, make_user):
    assert client.get("/settings").url == "/login?next=/settings"
    member = make_user(region="ca-on", time_zone="America/Toronto")
    page = signed_in(client, member).get("/settings").content.decode()
    assert '<option value="ca-on" selected>Ontario</option>' in page
    assert '<option value="America/Toronto" selected>America/Toronto</option>' in page
    # A customer's care team is on this page; a professional's customers are elsewhere.
    assert 'id="care-list"' in page and 'href="/care"' not in page


def test_my_customers_is_for_care_professionals_and_only_dietitians_add(client, make_user):
    customer = make_user()
    refused = signed_in(client, customer).get("/care")
    assert refused.status_code == 403
    # No "My customers" in a customer's navigation; the page points to their care team.
    assert 'href="/care"' not in refused.content.decode()
    assert 'href="/settings#care-team"' in refused.content.decode()
    for role, may_add in ((Role.DIETITIAN, True), (Role.MEDICAL_PROVIDER, False)):
        professional = make_user(role)
        client.post("/logout")
        page = signed_in(client, professional).get("/care")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'href="/care" aria-current="page"' in html
        assert "care-dashboard.js" in html and 'href="/care/requests"' in html
        # Their care requests and the list of customers with its actions: a page of its own.
        requests = client.get("/care/requests").content.decode()
        assert 'href="/care" aria-current="page"' in requests
        assert ('id="find-form"' in requests) is may_add
    client.post("/logout")
    assert signed_in(client, customer).get("/care/requests").status_code == 403
