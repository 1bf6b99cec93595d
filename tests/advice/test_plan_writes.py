"""Writes on care plans as the review found them: the customer's own attempt tells nothing
of drafts about them (the same 404 as a plan that does not exist); a dietitian's advice
writes count toward an hourly limit; a publish loop mails the customer once per quiet
period (the in-app notice still says the latest)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from accounts.roles import Role
from advice.models import CarePlan, CareTeamMember
from notifications.models import Notification
from profiles.models import Consent
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def dietitian(make_user):
    return make_user(Role.DIETITIAN, display_name="Dana Dietitian")


@pytest.fixture
def cara(make_user, dietitian):
    customer = make_user(display_name="Cara", email_verified_at=timezone.now())
    CareTeamMember.objects.create(customer=customer, professional=dietitian)
    Consent.objects.create(customer=customer, purpose=Consent.Purpose.CARE, version="1")
    return customer


def call(client, method: str, actor, path: str, body: dict | None = None) -> Any:
    send = getattr(client, method.lower())
    if body is None:
        return send("/api" + path, **bearer(actor))
    return send("/api" + path, body, content_type="application/json", **bearer(actor))


def new_plan(client, dietitian, customer, title: str = "Steadier mornings") -> int:
    made = call(
        client, "POST", dietitian, "/care-plans", {"customer_id": customer.pk, "title": title}
    )
    assert made.status_code == 201, made.content
    return int(api_json(made)["id"])


def test_a_customers_write_on_a_plan_about_them_is_a_404_as_for_no_plan(client, dietitian, cara):
    draft = new_plan(client, dietitian, cara)
    published = new_plan(client, dietitian, cara, "Calmer evenings")
    assert call(client, "POST", dietitian, f"/care-plans/{published}/publish").status_code == 200
    missing = CarePlan.objects.order_by("-pk").first().pk + 1000
    answers = []
    for plan_id in (draft, published, missing):
        for method, path, body in (
            ("PATCH", f"/care-plans/{plan_id}", {"title": "Mine now"}),
            ("POST", f"/care-plans/{plan_id}/publish", None),
            ("POST", f"/care-plans/{plan_id}/archive", None),
        ):
            answer = call(client, method, cara, path, body)
            answers.append((answer.status_code, api_json(answer)))
    assert {status for status, _ in answers} == {404}
    assert {body["message"] for _, body in answers} == {"no such care plan"}
    assert CarePlan.objects.get(pk=draft).versions.get().title == "Steadier mornings"


@override_settings(CARE_WRITES_PER_HOUR=3)
def test_a_professionals_advice_writes_are_limited_per_hour(client, dietitian, cara):
    plan = new_plan(client, dietitian, cara)
    assert (
        call(client, "PATCH", dietitian, f"/care-plans/{plan}", {"title": "B"}).status_code == 200
    )
    assert call(client, "POST", dietitian, f"/care-plans/{plan}/publish").status_code == 200
    refused = call(client, "POST", dietitian, "/plan-templates", {"title": "Start"})
    assert refused.status_code == 429
    body = api_json(refused)
    assert body["code"] == "rate_limited" and body["message"] and body["retry_after"] > 0
    assert int(refused["Retry-After"]) >= 1
    # The bucket is the professional's: note writing is counted in it too.
    note = call(client, "POST", dietitian, f"/care/customers/{cara.pk}/notes", {"body": "Called"})
    assert note.status_code == 429


@override_settings(PLAN_MAIL_QUIET_MINUTES=30)
def test_a_publish_loop_mails_the_customer_once_and_the_notice_still_updates(
    client, dietitian, cara, django_capture_on_commit_callbacks
):
    plan = new_plan(client, dietitian, cara)
    with django_capture_on_commit_callbacks(execute=True):
        for title in ("One", "Two", "Three"):
            call(client, "PATCH", dietitian, f"/care-plans/{plan}", {"title": title})
            assert call(client, "POST", dietitian, f"/care-plans/{plan}/publish").status_code == 200
    assert [m.to for m in mail.outbox] == [[cara.email]]
    notices = Notification.objects.filter(user=cara, kind__startswith="plan.")
    assert notices.exists()
    assert notices.order_by("-pk").first().created_at >= notices.order_by("pk").first().created_at
