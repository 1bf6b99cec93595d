"""The goals a care plan proposes: written into a template or a plan (checked before
anything is stored), proposed to the customer as goals of their own when a version is
published (once each, the due date counted from that day), refused with the goal named
when the customer keeps its test from the care team, and proposed to each member in care
when a plan goes to a class."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from accounts.roles import Role
from advice import topics
from advice.goal_status import zone_of
from advice.models import CarePlan, Goal, PlanTemplate
from events.models import ClassSeries, Enrollment
from notifications.models import Notification
from profiles.models import MedicalTest
from profiles.models import TestAudience as Choice
from tests.advice.plan_helpers import call, in_care, ok
from tests.helpers import api_json

pytestmark = pytest.mark.django_db

WEIGHT = {"kind": "target", "test": "weight", "comparison": "lte", "target": 80, "due_in_days": 90}
WATER = {"kind": "habit", "habit": "Water with each meal", "times": 3, "period": "day"}
WALKS = {
    "kind": "habit",
    "habit": "A brisk walk",
    "times": 3,
    "period": "week",
    "remind_at": "18:30",
}


@pytest.fixture
def dietitian(make_user):
    return make_user(Role.DIETITIAN, display_name="Dana Dietitian")


@pytest.fixture
def cara(make_user, dietitian):
    customer = make_user(display_name="Cara", time_zone="Europe/Paris")
    in_care(customer, dietitian)
    return customer


def refused(response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    answer = api_json(response)
    assert answer["field"] == field, answer
    return answer


def test_a_template_keeps_checked_goals_and_refuses_bad_ones_naming_the_goal(client, dietitian):
    made = ok(
        call(
            client,
            "POST",
            dietitian,
            "/plan-templates",
            {"title": "Less salt", "goals": [WEIGHT, WATER]},
        ),
        201,
    )
    assert [g["shown_as"] for g in made["goals"]] == [
        "Weight ≤ 80 kg",
        "Water with each meal 3 times a day",
    ]
    assert made["goals"][0]["due_in_days"] == 90

    bad = [
        ({**WEIGHT, "target": 900}, "goals.0.target"),  # no person weighs that
        ({**WEIGHT, "unit": "mmol/L"}, "goals.0.unit"),  # not a unit of weight
        ({**WEIGHT, "test": "unobtainium"}, "goals.0.test"),
        ({**WATER, "times": 40}, "goals.0.times"),  # at most 24 a day
        ({**WATER, "test": "weight"}, "goals.0.test"),  # a habit has no test
        ({**WALKS, "remind_at": "25:99"}, "goals.0.remind_at"),
    ]
    for goal, field in bad:
        body = {"title": "Bad", "goals": [goal]}
        refused(call(client, "POST", dietitian, "/plan-templates", body), 400, field)
    assert list(PlanTemplate.objects.values_list("title", flat=True)) == ["Less salt"]
    # The shape is refused at the door too (a kind that is neither).
    weird = call(
        client, "POST", dietitian, "/plan-templates", {"title": "x", "goals": [{"kind": "wish"}]}
    )
    assert weird.status_code == 422
    assert PlanTemplate.objects.count() == 1


def test_publishing_proposes_the_plans_goals_once_each(client, dietitian, cara):
    template = ok(
        call(
            client, "POST", dietitian, "/plan-templates", {"title": "Less salt", "goals": [WEIGHT]}
        ),
        201,
    )
    plan = ok(
        call(
            client, "POST", dietitian, "/care-plans",
            {"customer_id": cara.pk, "template_id": template["id"], "goals": [WEIGHT, WATER]},
        ),
        201,
    )  # fmt: skip
    assert [g["shown_as"] for g in plan["draft"]["goals"]] == [
        "Weight ≤ 80 kg",
        "Water with each meal 3 times a day",
    ]
    # A draft proposes nothing: the customer sees no goal of it.
    assert ok(call(client, "GET", cara, "/goals")) == []

    ok(call(client, "POST", dietitian, f"/care-plans/{plan['id']}/publish"))
    goals = {g.title: g for g in Goal.objects.filter(customer=cara)}
    assert set(goals) == {"Weight ≤ 80 kg", "Water with each meal 3 times a day"}
    assert {g.status for g in goals.values()} == {Goal.Status.PROPOSED}
    assert {g.plan_id for g in goals.values()} == {plan["id"]}
    today = timezone.now().astimezone(zone_of(cara)).date()
    assert goals["Weight ≤ 80 kg"].due_on == today + dt.timedelta(days=90)
    # The plan's notice tells her; its goals wait on her goals page, not a notice each.
    assert list(Notification.objects.filter(user=cara).values_list("kind", flat=True)) == [
        "plan.published"
    ]
    mine = ok(call(client, "GET", cara, "/goals"))
    assert sorted(g["plan_id"] for g in mine) == [plan["id"], plan["id"]]

    # A new version proposes only what no goal of the plan asks yet: new words or a new
    # due date for the same goal, or the same goal twice, propose nothing more.
    renamed = {**WEIGHT, "title": "Lighter by spring", "due_in_days": 120}
    ok(
        call(
            client,
            "PATCH",
            dietitian,
            f"/care-plans/{plan['id']}",
            {"goals": [renamed, WATER, WALKS, WALKS]},
        )
    )
    ok(call(client, "POST", dietitian, f"/care-plans/{plan['id']}/publish"))
    assert Goal.objects.filter(customer=cara).count() == 3
    walks = Goal.objects.get(customer=cara, habit="A brisk walk")
    assert (walks.times, walks.period, walks.remind_at) == (3, "week", dt.time(18, 30))
    # Taking a goal out of the plan drops nothing: the customer's goals stay theirs.
    ok(call(client, "PATCH", dietitian, f"/care-plans/{plan['id']}", {"goals": [WALKS]}))
    ok(call(client, "POST", dietitian, f"/care-plans/{plan['id']}/publish"))
    assert Goal.objects.filter(customer=cara).count() == 3
    compared = ok(call(client, "GET", cara, f"/care-plans/{plan['id']}/compare"))
    assert [(line["op"], line["text"]) for line in compared["goals"]] == [
        ("removed", "Lighter by spring"),
        ("removed", "Water with each meal 3 times a day"),
        ("unchanged", "A brisk walk 3 times a week"),
    ]


def test_a_goal_on_a_test_kept_from_the_care_team_refuses_the_publish(client, dietitian, cara):
    Choice.objects.create(
        customer=cara, test=MedicalTest.objects.get(code="weight"), audience="only_me"
    )
    plan = ok(
        call(
            client,
            "POST",
            dietitian,
            "/care-plans",
            {"customer_id": cara.pk, "title": "Lighter", "goals": [WATER, WEIGHT]},
        ),
        201,
    )
    refused(
        call(client, "POST", dietitian, f"/care-plans/{plan['id']}/publish"), 403, "goals.1.test"
    )
    # Nothing of the publish stays: no version in force, no goal, no notice.
    assert CarePlan.objects.get(pk=plan["id"]).published_version == 0
    assert not Goal.objects.filter(customer=cara).exists()
    assert not Notification.objects.filter(user=cara).exists()
    # Without that goal it publishes.
    ok(call(client, "PATCH", dietitian, f"/care-plans/{plan['id']}", {"goals": [WATER]}))
    ok(call(client, "POST", dietitian, f"/care-plans/{plan['id']}/publish"))
    assert [g.habit for g in Goal.objects.filter(customer=cara)] == ["Water with each meal"]


def test_a_plan_sent_to_a_class_proposes_its_goals_to_each_member_who_can_have_them(
    client, make_user, dietitian, django_capture_on_commit_callbacks, monkeypatch
):
    heard: list[tuple[str, str, dict[str, Any]]] = []
    publish = topics.publish_many
    monkeypatch.setattr(
        topics, "publish_many", lambda items: (heard.extend(items), publish(items))[1]
    )
    series = ClassSeries.objects.create(title="Label reading", organiser=dietitian)
    members = [make_user(display_name=f"Member {i}") for i in range(3)]
    for member in members:
        in_care(member, dietitian)
        Enrollment.objects.create(series=series, user=member)
    keeps = members[2]  # keeps their weight to themself
    Choice.objects.create(
        customer=keeps, test=MedicalTest.objects.get(code="weight"), audience="only_me"
    )
    template = ok(
        call(
            client,
            "POST",
            dietitian,
            "/plan-templates",
            {"title": "Labels", "goals": [WATER, WEIGHT]},
        ),
        201,
    )
    body = {"template_id": template["id"], "group": {"kind": "class", "id": series.pk}}
    with django_capture_on_commit_callbacks(execute=True):
        outcome = ok(call(client, "POST", dietitian, "/care-plans/send", body), 201)
    assert (outcome["sent"], outcome["skipped"]) == (3, 0)
    for member in members[:2]:
        assert Goal.objects.filter(customer=member, status=Goal.Status.PROPOSED).count() == 2
    # The one who keeps their weight gets the habit; the target waits, and their plan
    # shows them only the goal proposed to them (their care team sees both, marked).
    assert [g.habit for g in Goal.objects.filter(customer=keeps)] == ["Water with each meal"]
    copy = CarePlan.objects.get(batch_id=outcome["batch_id"], customer=keeps)
    theirs = ok(call(client, "GET", keeps, f"/care-plans/{copy.pk}"))["in_force"]["goals"]
    assert [g["shown_as"] for g in theirs] == ["Water with each meal 3 times a day"]
    team = ok(call(client, "GET", dietitian, f"/care-plans/{copy.pk}"))["in_force"]["goals"]
    assert [(g["test"], g["proposed"]) for g in team] == [(None, True), ("weight", False)]
    # Each customer's care team hears of their new plan, as for a plan published alone.
    plans = dict(
        CarePlan.objects.filter(batch_id=outcome["batch_id"]).values_list("customer_id", "pk")
    )
    activity = {
        (topic, d["customer"], d["what"], d["id"])
        for topic, kind, d in heard
        if kind == "care.activity"
    }
    for member in members:
        assert (f"user:{dietitian.pk}", member.pk, "plan", plans[member.pk]) in activity
    # Every member is still told of the plan; running the send's work again adds nothing.
    assert Notification.objects.filter(kind="plan.published").count() == 3
    from advice.plan_tasks import tell_plan_sent

    tell_plan_sent(outcome["batch_id"])
    assert Goal.objects.filter(customer__in=members).count() == 5
    # Once they share their weight, the next version proposes the target.
    Choice.objects.filter(customer=keeps).delete()
    ok(call(client, "PATCH", dietitian, f"/care-plans/{copy.pk}", {"body": "Read the labels."}))
    ok(call(client, "POST", dietitian, f"/care-plans/{copy.pk}/publish"))
    assert Goal.objects.filter(customer=keeps).count() == 2


def test_goals_are_checked_as_written_and_read_as_they_are_named(client, dietitian, cara):
    MedicalTest.objects.filter(code="hba1c").update(retired_at=timezone.now())
    retired = {"kind": "target", "test": "hba1c", "comparison": "lt", "target": 6.5}
    refused(
        call(client, "POST", dietitian, "/plan-templates", {"title": "x", "goals": [retired]}),
        400,
        "goals.0.test",
    )
    for bad in (
        {**WEIGHT, "target": "80"},
        {**WATER, "times": True},
        {**WEIGHT, "due_in_days": 1.5},
    ):
        assert (
            call(
                client, "POST", dietitian, "/plan-templates", {"title": "x", "goals": [bad]}
            ).status_code
            == 422
        )
    for field, bad in (
        ("goals.0.title", {**WATER, "title": "Drink\u202eretaw"}),
        ("goals.0.due_in_days", {**WEIGHT, "due_in_days": 0}),
        ("goals.0.times", {**WATER, "times": 30}),
    ):
        refused(
            call(client, "POST", dietitian, "/plan-templates", {"title": "x", "goals": [bad]}),
            400,
            field,
        )
    assert not PlanTemplate.objects.exists()

    # In pounds, and once a week: the plan and the goal say the same words.
    pounds = {
        "kind": "target",
        "test": "weight",
        "comparison": "lte",
        "target": 176,
        "unit": "[lb_av]",
    }
    weekly = {"kind": "habit", "habit": "Batch cooking", "times": 1, "period": "week"}
    plan = ok(
        call(
            client,
            "POST",
            dietitian,
            "/care-plans",
            {"customer_id": cara.pk, "title": "Plan", "goals": [pounds, weekly]},
        ),
        201,
    )
    shown = [g["shown_as"] for g in plan["draft"]["goals"]]
    assert shown == ["Weight ≤ 176 lb", "Batch cooking once a week"]
    ok(call(client, "POST", dietitian, f"/care-plans/{plan['id']}/publish"))
    assert sorted(Goal.objects.filter(customer=cara).values_list("title", flat=True)) == sorted(
        shown
    )
