"""A model of a customer's care or record names itself by ids only: its ``str()`` shows in
admin pages (the objects a customer's deletion takes with it), and a goal's title, a
habit, a check-in's note, an override's name, a plan's title or a note is health
information an admin has no business reading."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from advice.models import (
    Alert,
    AlertRule,
    CareNote,
    CarePlan,
    CarePlanVersion,
    CareTeamMember,
    CheckIn,
    Goal,
)
from profiles.models import MedicalTest, Result, TestAudience

pytestmark = pytest.mark.django_db

TELLING = [
    "HbA1c under 6.5",
    "Take metformin",
    "felt dizzy after insulin",
    "Metformin dose watch",
    "Diabetes plan",
    "discussed depression",
    "73.4",
    "hba1c",
]


def care_of_a_customer(customer, dietitian) -> list[object]:
    """One of each, every text and value telling."""
    test = MedicalTest.objects.get(code="hba1c")
    today = timezone.now().date()
    member = CareTeamMember.objects.create(customer=customer, professional=dietitian)
    goal = Goal.objects.create(
        customer=customer, set_by=dietitian, kind=Goal.Kind.HABIT, title="HbA1c under 6.5",
        habit="Take metformin", times=1, period="day", starts_on=today,
    )  # fmt: skip
    check_in = CheckIn.objects.create(
        customer=customer, kind=CheckIn.Kind.SYMPTOM, note="felt dizzy after insulin",
        goal=goal, at=timezone.now(),
    )  # fmt: skip
    override = AlertRule.objects.create(
        name="Metformin dose watch", kind="above", test=test, threshold=7, customer=customer
    )
    alert = Alert.objects.create(rule=override, customer=customer, value=73.4)
    plan = CarePlan.objects.create(customer=customer, author=dietitian)
    version = CarePlanVersion.objects.create(plan=plan, number=1, title="Diabetes plan")
    note = CareNote.objects.create(
        customer=customer, author=dietitian, body="discussed depression", body_html="", alert=alert
    )
    result = Result.objects.create(
        customer=customer, test=test, value=73.4, entered_value="73.4", entered_unit=test.unit,
        taken_at=timezone.now() - dt.timedelta(days=1), source=Result.Source.SELF,
        entered_by=customer,
    )  # fmt: skip
    audience = TestAudience.objects.create(customer=customer, test=test, audience="care_team")
    return [member, goal, check_in, override, alert, plan, version, note, result, audience]


def test_str_of_each_names_ids_only(make_user):
    customer, dietitian = make_user(display_name="Casey"), make_user(Role.DIETITIAN)
    for thing in care_of_a_customer(customer, dietitian):
        shown = str(thing).lower()
        for text in [*TELLING, customer.email.lower(), "casey"]:
            assert text.lower() not in shown, (type(thing).__name__, shown)


def test_the_admins_delete_page_of_a_customer_shows_none_of_their_care(make_user):
    customer, dietitian = make_user(display_name="Casey"), make_user(Role.DIETITIAN)
    care_of_a_customer(customer, dietitian)
    superuser = make_user(Role.ADMIN, is_superuser=True)
    site = Client()
    site.force_login(superuser)
    page = site.get(f"/admin/accounts/user/{customer.pk}/delete/")
    assert page.status_code == 200
    body = page.content.decode().lower()
    assert "are you sure" in body  # the confirmation, listing what goes with the account
    for text in TELLING:
        assert text.lower() not in body, text
