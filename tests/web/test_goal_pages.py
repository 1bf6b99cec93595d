"""The goals and check-in pages: the customer's own, and a customer's goals for the
professionals of their care team only (anybody else: no such page); a medical provider
reads the goals and is offered no form to write one. The check-in page offers "only me"
for the mood, meal and symptoms only, and says a measurement is shared as its test is."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from advice.models import CareTeamMember
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


def test_a_medical_provider_reads_a_customers_goals_without_a_form_to_write_one(client, make_user):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    provider = make_user(Role.MEDICAL_PROVIDER)
    into_care(customer, dietitian)
    CareTeamMember.objects.create(customer=customer, professional=provider)
    path = f"/care/customers/{customer.pk}/goals"
    client.force_login(dietitian)
    assert 'id="goal-form"' in client.get(path).content.decode()
    client.force_login(provider)
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="goal-form"' not in html and 'data-can-write="0"' in html
    assert "dietitian sets and drops goals" in html


def test_only_me_is_offered_where_it_applies_on_the_check_in_page(client, make_user):
    client.force_login(make_user())
    html = client.get("/check-in").content.decode()
    assert "Only me: keep the mood, meal or symptoms I log now from my care team" in html
    measurement = html[html.index('id="measure-heading"') :]
    assert 'shared as you chose for its test on <a href="/results">Results</a>' in measurement
