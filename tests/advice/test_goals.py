"""Goals: a customer's own are active at once, a professional's are proposed until the
customer accepts; status and progress follow the results (never typed); a goal on a test
the care team does not see, or a target no one could reach, is refused with nothing
stored; the care team sees only goals on what is shared with it, and each read is in
the customer's access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.erasure import erase
from accounts.models import AccessAuditEntry
from accounts.personal_data import exporters
from accounts.roles import Role
from advice.goal_status import evaluate
from advice.models import CheckIn, Goal
from profiles.models import Consent, MedicalTest
from profiles.models import TestAudience as Audiences
from tests.advice.goal_helpers import api_json, created, get, into_care, post, result

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.now().date()


def weight_goal(client, actor, customer, **fields):
    body = {"kind": "target", "test": "weight", "comparison": "lte", "target": 80, "unit": "kg"}
    if actor.pk != customer.pk:
        body["customer_id"] = customer.pk
    return post(client, actor, "/api/goals", {**body, **fields})


def test_a_target_goal_follows_the_results_from_its_baseline_to_the_target(
    client, make_user, django_capture_on_commit_callbacks
):
    customer = make_user()
    result(customer, "weight", 90, timezone.now() - dt.timedelta(days=3))
    due = (today() + dt.timedelta(days=60)).isoformat()
    response = weight_goal(client, customer, customer, due_on=due)
    assert response.status_code == 201, response.content
    goal = api_json(response)
    # The customer's own goal is active at once, from the latest value.
    assert (goal["status"], goal["baseline"], goal["progress"]) == ("active", 90, 0)
    assert goal["title"] == "Weight ≤ 80 kg"

    def weigh(value: float, unit: str, hours: float) -> None:
        moment = (timezone.now() - dt.timedelta(hours=hours)).isoformat()
        with django_capture_on_commit_callbacks(execute=True):
            saved = post(client, customer, f"/api/customers/{customer.pk}/results", {
                "test": "weight", "value": value, "unit": unit, "taken_at": moment,
            })  # fmt: skip
        assert saved.status_code == 201, saved.content

    weigh(85, "kg", 2)
    now = api_json(get(client, customer, f"/api/goals/{goal['id']}"))
    assert (now["status"], now["progress"], now["latest"]["value"]) == ("active", 0.5, 85)
    # 176 lb is 79.8 kg: met, whatever the unit it was entered in.
    weigh(176, "lb", 1)
    now = api_json(get(client, customer, f"/api/goals/{goal['id']}"))
    assert (now["status"], now["progress"]) == ("achieved", 1)
    assert now["achieved_at"] is not None
    # A later value above the target: not achieved any more (computed, never typed).
    weigh(81, "kg", 0.5)
    now = api_json(get(client, customer, f"/api/goals/{goal['id']}"))
    assert (now["status"], now["achieved_at"]) == ("active", None)
    assert now["progress"] == pytest.approx(0.9)


def test_a_target_is_given_in_any_unit_the_test_takes_and_stored_canonical(client, make_user):
    customer = make_user()
    response = post(client, customer, "/api/goals", {
        "kind": "target", "test": "glucose_fasting", "comparison": "lt", "target": 100,
        "unit": "mg/dL",
    })  # fmt: skip
    assert response.status_code == 201, response.content
    assert api_json(response)["target"] == pytest.approx(5.5507, abs=1e-3)
    assert api_json(response)["test"]["unit"] == "mmol/L"


def test_a_target_no_one_could_have_is_refused_and_nothing_stored(client, make_user):
    customer = make_user()
    for fields, field in (
        ({"target": 1000}, "target"),  # 2 to 400 kg
        ({"target": 1, "unit": "lb"}, "target"),
        ({"unit": "stone"}, "unit"),
        ({"test": "no_such_test"}, "test"),
        ({"comparison": "eq"}, "comparison"),
        ({"times": 3, "period": "day"}, "habit"),
        ({"due_on": (today() - dt.timedelta(days=2)).isoformat()}, "due_on"),
    ):
        response = weight_goal(client, customer, customer, **fields)
        assert 400 <= response.status_code < 500, (fields, response.content)
        body = api_json(response)
        assert body.get("field") == field or field in body["message"], (fields, body)
    assert not Goal.objects.exists()


def test_a_goal_on_a_test_the_customer_keeps_from_the_care_team_is_refused(client, make_user):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    Audiences.objects.create(customer=customer, test_id=_test_id("weight"), audience="only_me")
    response = weight_goal(client, dietitian, customer)
    assert response.status_code == 403, response.content
    assert api_json(response)["field"] == "test"
    assert not Goal.objects.exists()
    # Someone outside the care team finds no such customer, and stores nothing either.
    stranger = make_user(Role.DIETITIAN)
    assert weight_goal(client, stranger, customer, test="waist").status_code == 404
    habit = {"kind": "habit", "habit": "Walk", "times": 3, "period": "week"}
    assert (
        post(client, stranger, "/api/goals", {**habit, "customer_id": customer.pk}).status_code
        == 404
    )
    assert not Goal.objects.exists()


def _test_id(code: str) -> int:
    return MedicalTest.objects.get(code=code).pk


def test_a_professionals_goal_is_proposed_until_the_customer_accepts(client, make_user):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    result(customer, "weight", 95, timezone.now() - dt.timedelta(days=30))
    goal = created(client, dietitian, "/api/goals", {
        "customer_id": customer.pk, "kind": "target", "test": "weight", "comparison": "lte",
        "target": 85, "unit": "kg",
    })  # fmt: skip
    assert (goal["status"], goal["proposed_by_care_team"], goal["accepted_at"]) == (
        "proposed", True, None,
    )  # fmt: skip
    notices = api_json(get(client, customer, "/api/notifications"))["items"]
    assert [(n["kind"], n["url"]) for n in notices] == [("care.goal_proposed", "/goals")]
    # Only the customer accepts it; the baseline is the latest value when it starts.
    assert post(client, dietitian, f"/api/goals/{goal['id']}/accept").status_code == 403
    result(customer, "weight", 93, timezone.now() - dt.timedelta(days=1))
    accepted = post(client, customer, f"/api/goals/{goal['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    body = api_json(accepted)
    assert (body["status"], body["baseline"], body["progress"]) == ("active", 93, 0)
    assert post(client, customer, f"/api/goals/{goal['id']}/accept").status_code == 409


def test_either_side_drops_a_goal_saying_why(client, make_user):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    goal = created(client, customer, "/api/goals", {
        "kind": "habit", "habit": "Walk 30 minutes", "times": 3, "period": "week",
    })  # fmt: skip
    assert goal["status"] == "active"
    path = f"/api/goals/{goal['id']}/drop"
    refused = post(client, dietitian, path, {"reason": "  "})
    assert (refused.status_code, api_json(refused)["field"]) == (400, "reason")
    dropped = post(client, dietitian, path, {"reason": "Knee pain: we try swimming instead"})
    assert dropped.status_code == 200, dropped.content
    body = api_json(dropped)
    assert (body["status"], body["drop_reason"], body["dropped_by"]["id"]) == (
        "dropped", "Knee pain: we try swimming instead", dietitian.pk,
    )  # fmt: skip
    assert post(client, customer, path, {"reason": "again"}).status_code == 409


def test_a_target_is_missed_when_its_due_date_passes_and_at_risk_when_behind_pace(make_user):
    customer = make_user()
    start = dt.date(2026, 1, 1)
    goal = Goal.objects.create(
        customer=customer, set_by=customer, kind="target", title="Weight",
        test_id=_test_id("weight"), comparison="lte", target=80, baseline=90,
        starts_on=start, due_on=dt.date(2026, 1, 31),
        accepted_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    # Just started, nothing measured since: on pace, not at risk.
    evaluate(goal, dt.datetime(2026, 1, 3, 12, tzinfo=dt.UTC))
    goal.refresh_from_db()
    assert (goal.status, goal.at_risk, goal.progress) == ("active", False, 0.0)
    result(customer, "weight", 89, dt.datetime(2026, 1, 20, 8, tzinfo=dt.UTC))
    # Two thirds of the way, a tenth of the progress: behind the straight line.
    evaluate(goal, dt.datetime(2026, 1, 21, 12, tzinfo=dt.UTC))
    goal.refresh_from_db()
    assert (goal.status, goal.at_risk) == ("active", True)
    assert goal.progress == pytest.approx(0.1)
    result(customer, "weight", 82, dt.datetime(2026, 1, 21, 8, tzinfo=dt.UTC))
    evaluate(goal, dt.datetime(2026, 1, 21, 12, tzinfo=dt.UTC))
    goal.refresh_from_db()
    assert (goal.status, goal.at_risk, goal.progress) == ("active", False, pytest.approx(0.8))
    # The due date passed without meeting it: missed (a later value does not count).
    result(customer, "weight", 79, dt.datetime(2026, 2, 3, 8, tzinfo=dt.UTC))
    evaluate(goal, dt.datetime(2026, 2, 5, tzinfo=dt.UTC))
    goal.refresh_from_db()
    assert (goal.status, goal.at_risk) == ("missed", False)


def test_the_care_team_sees_goals_on_what_is_shared_with_it_and_each_read_is_logged(
    client, make_user
):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    Audiences.objects.create(customer=customer, test_id=_test_id("waist"), audience="only_me")
    kept = created(client, customer, "/api/goals", {
        "kind": "target", "test": "waist", "comparison": "lt", "target": 88, "unit": "cm",
    })  # fmt: skip
    habit = created(client, customer, "/api/goals", {
        "kind": "habit", "habit": "Vegetables at lunch", "times": 1, "period": "day",
    })  # fmt: skip
    mine = api_json(get(client, customer, "/api/goals"))
    assert {g["id"] for g in mine} == {kept["id"], habit["id"]}
    seen = api_json(get(client, dietitian, f"/api/goals?customer_id={customer.pk}"))
    assert [g["id"] for g in seen] == [habit["id"]]
    assert get(client, dietitian, f"/api/goals/{kept['id']}").status_code == 404
    assert AccessAuditEntry.objects.filter(
        actor=dietitian, subject=customer, resource="goals"
    ).exists()
    # Without consent to care, nothing.
    Consent.objects.filter(customer=customer).update(withdrawn_at=timezone.now())
    assert get(client, dietitian, f"/api/goals?customer_id={customer.pk}").status_code == 404


def test_the_customers_download_has_their_goals_and_check_ins_and_erasure_deletes_them(
    client, make_user
):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    goal = created(client, customer, "/api/goals", {
        "kind": "habit", "habit": "Fruit at breakfast", "times": 1, "period": "day",
    })  # fmt: skip
    post(client, customer, "/api/check-ins", {"kind": "habit", "goal_id": goal["id"]})
    post(client, customer, "/api/check-ins", {"kind": "meal", "note": "Lentil soup"})
    proposed = created(client, dietitian, "/api/goals", {
        "customer_id": customer.pk, "kind": "habit", "habit": "Walk", "times": 2,
        "period": "week",
    })  # fmt: skip
    (registration,) = [r for r in exporters() if r.name == "advice.goals"]
    assert registration.export is not None
    parts = {part.name: part for part in registration.export(customer)}
    assert {g["title"] for g in parts["goals"].rows} == {
        "Fruit at breakfast every day",
        "Walk 2 times a week",
    }
    assert [g["set_by_care_team"] for g in parts["goals"].rows] == [False, True]
    assert sorted(c["kind"] for c in parts["check-ins"].rows) == ["habit", "meal"]
    # The dietitian's own download holds no customer's goal.
    assert all(not part.rows for part in registration.export(dietitian))
    erase(customer)
    assert not Goal.objects.filter(pk__in=[goal["id"], proposed["id"]]).exists()
    assert not CheckIn.objects.exists()
