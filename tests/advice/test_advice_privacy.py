"""What the care team may never learn, whatever path it reads by: "only me" is for the
check-ins that stand alone (a habit counts toward a goal the care team follows, a
measurement is shared as its test is), and a private check-in stored before that rule
counts nowhere the care team reads; nothing is told about a check-in it may not see; a
medical provider reads goals and writes none; a customer cannot tell a draft plan exists
through a goal; and no mail advice composes carries a goal, habit, plan or value."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from accounts.roles import Role
from advice import alerts, checkins, plans
from advice.goal_status import evaluate
from advice.models import Alert, CareTeamMember, CheckIn, Goal
from notifications.kinds import KINDS
from profiles.models import Result
from tests.advice.alert_helpers import into_care as alert_into_care
from tests.advice.alert_helpers import rule
from tests.advice.dashboard_helpers import keep_to_self
from tests.advice.goal_helpers import api_json, created, get, habit_goal, into_care, post
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

PLAN = {
    "title": "Low-sodium plan for your blood pressure",
    "body": "Less salt: **no more than 5 g** a day.",
    "recommendations": ["Rinse canned beans"],
    "tasks": [{"text": "Book a potassium test"}],
    "attachments": [],
}


# --- "only me" -----------------------------------------------------------------------


def test_only_me_is_refused_for_a_habit_or_a_measurement_and_nothing_is_stored(client, make_user):
    customer = make_user()
    goal = created(client, customer, "/api/goals", {
        "kind": "habit", "habit": "Take metformin", "times": 1, "period": "day",
    })  # fmt: skip
    for body, why in (
        ({"kind": "habit", "goal_id": goal["id"]}, "goal"),
        ({"kind": "measurement", "test": "weight", "value": 80, "unit": "kg"}, "Results"),
    ):
        response = post(client, customer, "/api/check-ins", {**body, "audience": "private"})
        assert response.status_code == 400, response.content
        answer = api_json(response)
        assert answer["field"] == "audience"
        assert why in answer["message"], answer
    assert not CheckIn.objects.exists() and not Result.objects.exists()
    assert api_json(get(client, customer, f"/api/goals/{goal['id']}"))["done"] == 0
    # A mood, a meal and symptoms stay the customer's own when they ask.
    for body in (
        {"kind": "mood", "mood": 2},
        {"kind": "meal", "note": "toast"},
        {"kind": "symptom", "symptoms": ["nausea"]},
    ):
        assert created(client, customer, "/api/check-ins", {**body, "audience": "private"})
    assert set(CheckIn.objects.values_list("audience", flat=True)) == {"private"}


def test_a_private_habit_check_in_from_before_counts_nowhere_the_care_team_reads(client, make_user):
    customer = make_user(time_zone="UTC")
    dietitian = make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    now = timezone.now()
    today = now.date()
    goal = habit_goal(customer, times=1, starts_on=today - dt.timedelta(days=10))

    def at(days_ago: int) -> dt.datetime:
        return dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(12), dt.UTC)

    # Shared two days ago; kept private yesterday and today, as the check-in service
    # still stored habits before "only me" was refused for them.
    shared = CheckIn.objects.create(customer=customer, goal=goal, kind="habit", at=at(2))
    for moment in (at(1), now - dt.timedelta(seconds=1)):
        CheckIn.objects.create(
            customer=customer, goal=goal, kind="habit", at=moment, audience="private"
        )
    goal.customer = customer
    evaluate(goal, now)

    seen = api_json(get(client, dietitian, f"/api/goals/{goal.pk}"))
    assert (seen["done"], seen["progress"], seen["missed"]) == (0, 0, 6)
    missed = api_json(get(client, dietitian, f"/api/check-ins/missed?customer_id={customer.pk}"))
    (item,) = missed["goals"]
    days = {dt.date.fromisoformat(p["start"]): p["done"] for p in item["missed"]}
    assert days[today - dt.timedelta(days=1)] == 0
    row = api_json(get(client, dietitian, f"/api/care/dashboard?customer_id={customer.pk}"))
    (mine,) = row["items"]
    assert mine["missed_check_ins"] == 6
    assert dt.datetime.fromisoformat(mine["last_check_in"]) == shared.at


# --- care.activity about a check-in ------------------------------------------------------


def test_the_care_team_hears_of_no_measurement_on_a_test_it_does_not_see(
    client, make_user, monkeypatch
):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    keep_to_self(customer, "waist")
    told: list[tuple[int, str, int | None]] = []
    monkeypatch.setattr(checkins, "tell_care_team", lambda *args, **_: told.append(args))

    waist = created(client, customer, "/api/check-ins", {
        "kind": "measurement", "test": "waist", "value": 90, "unit": "cm",
    })  # fmt: skip
    assert client.delete(f"/api/check-ins/{waist['id']}", **bearer(customer)).status_code == 204
    assert told == []
    weight = created(client, customer, "/api/check-ins", {
        "kind": "measurement", "test": "weight", "value": 80, "unit": "kg",
    })  # fmt: skip
    assert client.delete(f"/api/check-ins/{weight['id']}", **bearer(customer)).status_code == 204
    assert told == [(customer.pk, "check_in", weight["id"])] * 2


def test_a_measurement_on_a_test_kept_from_the_care_team_is_no_check_in_to_its_rules(
    make_user, dietitian, write, no_defaults
):
    """A rule on missing check-ins reads check-ins as the care team does: a waist kept to
    oneself ten days ago is no sign of life to it; a shared weight is."""
    missing = rule(kind="missing", days=7)
    quiet, weighed = make_user(), make_user()
    for customer, code in ((quiet, "waist"), (weighed, "weight")):
        alert_into_care(customer, dietitian, since_days=30)
        keep_to_self(customer, "waist")
        result = write(customer, code, 90, "cm" if code == "waist" else "kg", days=2)
        CheckIn.objects.create(
            customer=customer, kind="measurement", result=result, at=result.taken_at
        )
    alerts.sweep()
    raised = Alert.objects.filter(rule=missing).values_list("customer_id", flat=True)
    assert list(raised) == [quiet.pk]


# --- goals are written by the customer and their dietitian ------------------------------


def test_a_medical_provider_reads_goals_and_writes_none(client, make_user):
    customer = make_user()
    dietitian, provider = make_user(Role.DIETITIAN), make_user(Role.MEDICAL_PROVIDER)
    into_care(customer, dietitian)
    CareTeamMember.objects.create(customer=customer, professional=provider)
    habit = {"kind": "habit", "habit": "Walk", "times": 3, "period": "week"}
    refused = post(client, provider, "/api/goals", {**habit, "customer_id": customer.pk})
    assert refused.status_code == 403, refused.content
    assert api_json(refused)["message"] == "your care team's dietitian sets goals"
    assert not Goal.objects.exists()

    goal = created(client, dietitian, "/api/goals", {**habit, "customer_id": customer.pk})
    listed = api_json(get(client, provider, f"/api/goals?customer_id={customer.pk}"))
    assert [g["id"] for g in listed] == [goal["id"]]
    drop = post(client, provider, f"/api/goals/{goal['id']}/drop", {"reason": "not needed"})
    assert drop.status_code == 403, drop.content
    assert Goal.objects.get(pk=goal["id"]).dropped_at is None
    assert post(client, provider, f"/api/goals/{goal['id']}/accept").status_code == 403
    # The customer and the dietitian still do.
    assert post(client, customer, f"/api/goals/{goal['id']}/accept").status_code == 200
    dropped = post(client, dietitian, f"/api/goals/{goal['id']}/drop", {"reason": "done"})
    assert api_json(dropped)["status"] == "dropped"


# --- a draft plan is nothing to the customer ------------------------------------------


def test_a_customer_cannot_tell_a_draft_plan_exists_through_a_goal(client, make_user):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    draft = plans.create_plan(dietitian, customer.pk, PLAN)
    published = plans.create_plan(dietitian, customer.pk, PLAN)
    plans.publish_plan(dietitian, published.pk)
    habit = {"kind": "habit", "habit": "Walk", "times": 3, "period": "week"}

    to_draft = post(client, customer, "/api/goals", {**habit, "plan_id": draft.pk})
    to_nothing = post(client, customer, "/api/goals", {**habit, "plan_id": published.pk + 100})
    assert to_draft.status_code == to_nothing.status_code == 400
    assert api_json(to_draft) == api_json(to_nothing)
    assert not Goal.objects.exists()
    mine = created(client, customer, "/api/goals", {**habit, "plan_id": published.pk})
    assert mine["plan_id"] == published.pk

    # The dietitian links a goal to the draft: the customer is not shown its id.
    theirs = created(client, dietitian, "/api/goals", {
        **habit, "customer_id": customer.pk, "plan_id": draft.pk,
    })  # fmt: skip
    assert theirs["plan_id"] == draft.pk
    shown = api_json(get(client, customer, f"/api/goals/{theirs['id']}"))
    assert shown["plan_id"] is None
    listed = {g["id"]: g["plan_id"] for g in api_json(get(client, customer, "/api/goals"))}
    assert listed == {theirs["id"]: None, mine["id"]: published.pk}


# --- what advice mails ------------------------------------------------------------------


def test_no_mail_advice_composes_carries_a_goal_a_habit_a_plan_or_a_value(
    cared, dietitian, write, no_defaults
):
    """Each kind advice mails, composed for a realistic case: a mail leaves the platform,
    so none names what the customer's health is about. A kind mailed by advice without a
    case here fails the test."""
    goal = habit_goal(cared, starts_on=timezone.now().date(), habit="Take metformin 500 mg")
    plan = plans.create_plan(dietitian, cared.pk, PLAN)
    plans.publish_plan(dietitian, plan.pk)
    rule(
        name="Casey's pressure on metformin", customer=cared, kind="above", test="systolic",
        threshold=150, severity="critical", created_by=dietitian,
    )  # fmt: skip
    write(cared, "systolic", 187, "mm[Hg]")
    cases: dict[str, tuple[Any, dict[str, Any]]] = {
        "habit.reminder": (cared, {"goal": goal.pk}),
        "plan.published": (cared, {"plan": plan.pk}),
        "alerts.summary": (dietitian, {"day": 20261204}),
    }
    mailed_by_advice = {
        name
        for name, kind in KINDS.items()
        if kind.mailed and kind.compose and kind.compose.__module__.startswith("advice.")
    }
    assert mailed_by_advice == set(cases)
    secret = ("metformin", "500 mg", "sodium", "salt", "beans", "potassium", "187", "150",
              "systolic", "pressure", "casey")  # fmt: skip
    for name, (member, about) in cases.items():
        compose = KINDS[name].compose
        assert compose is not None
        composed = compose(member, name, about)
        assert composed is not None, name
        # A customer's number (the summary's "customer #42") is no value of theirs.
        text = re.sub(r"#\d+", "#", " ".join(composed).lower())
        assert not [word for word in secret if word.lower() in text], (name, composed)
