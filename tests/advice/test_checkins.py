"""Check-ins: a habit done moves its goal at once; a retried send is stored once; a
check-in far in the future or long past is refused with nothing stored; a private
check-in never reaches the care team, which sees the shared ones (each read logged); a
measurement is a result of the health record; the alert rules hear of each check-in after
the commit; the dietitian sees the days a habit was missed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccessAuditEntry
from accounts.roles import Role
from advice import checkins
from advice.goal_status import evaluate
from advice.models import CheckIn, Goal
from advice.signals import checked_in
from profiles.models import MedicalTest, Result
from profiles.models import TestAudience as Audiences
from tests.advice.goal_helpers import api_json, created, done, get, habit_goal, into_care, post
from tests.helpers import bearer

pytestmark = pytest.mark.django_db


def water(client, customer, times=2):
    return created(client, customer, "/api/goals", {
        "kind": "habit", "habit": "A glass of water", "times": times, "period": "day",
    })  # fmt: skip


def test_a_habit_check_in_moves_its_goal_in_the_same_request(client, make_user):
    customer = make_user()
    goal = water(client, customer, times=2)
    assert (goal["done"], goal["progress"]) == (0, 0)
    first = post(client, customer, "/api/check-ins", {"kind": "habit", "goal_id": goal["id"]})
    assert first.status_code == 201, first.content
    assert api_json(first)["goal"]["id"] == goal["id"]
    now = api_json(get(client, customer, f"/api/goals/{goal['id']}"))
    assert (now["done"], now["progress"], now["status"]) == (1, 0.5, "active")
    post(client, customer, "/api/check-ins", {"kind": "habit", "goal_id": goal["id"]})
    now = api_json(get(client, customer, f"/api/goals/{goal['id']}"))
    assert (now["done"], now["progress"]) == (2, 1)


def test_a_habit_check_in_takes_a_bounded_number_of_queries(client, make_user):
    customer = make_user()
    goal = water(client, customer, times=8)
    with CaptureQueriesContext(connection) as queries:
        response = post(client, customer, "/api/check-ins", {
            "kind": "habit", "goal_id": goal["id"], "client_id": "tap-1",
        })  # fmt: skip
    assert response.status_code == 201
    # The bearer's user, the retry's look-up, the goal locked, the insert, the period's
    # check-ins, the goal's update, and whom to tell (no care team: one query).
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 7, "\n".join(s[:120] for s in statements)


def test_a_retried_send_is_stored_once_and_answered_with_the_same_check_in(client, make_user):
    customer = make_user()
    goal = water(client, customer, times=3)
    body = {"kind": "habit", "goal_id": goal["id"], "client_id": "phone-7f3a"}
    first = post(client, customer, "/api/check-ins", body)
    again = post(client, customer, "/api/check-ins", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert api_json(first)["id"] == api_json(again)["id"]
    assert CheckIn.objects.count() == 1
    assert api_json(get(client, customer, f"/api/goals/{goal['id']}"))["done"] == 1
    # The same id from another customer is theirs.
    other = make_user()
    mood = post(
        client, other, "/api/check-ins", {"kind": "mood", "mood": 4, "client_id": "phone-7f3a"}
    )
    assert mood.status_code == 201


def test_a_check_in_far_in_the_future_or_long_past_is_refused_and_nothing_stored(client, make_user):
    customer = make_user()
    goal = water(client, customer)
    ahead = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    past = (timezone.now() - dt.timedelta(days=400)).isoformat()
    for at, code in ((ahead, "future_date"), (past, "too_old")):
        for body in (
            {"kind": "mood", "mood": 3},
            {"kind": "habit", "goal_id": goal["id"]},
            {"kind": "measurement", "test": "weight", "value": 80, "unit": "kg"},
        ):
            response = post(client, customer, "/api/check-ins", {**body, "at": at})
            assert response.status_code == 400, response.content
            assert (api_json(response)["code"], api_json(response)["field"]) == (code, "at")
    # A phone's clock a minute ahead is not the future.
    soon = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
    assert (
        post(
            client, customer, "/api/check-ins", {"kind": "mood", "mood": 3, "at": soon}
        ).status_code
        == 201
    )
    assert CheckIn.objects.count() == 1
    assert not Result.objects.exists()


def test_bad_check_ins_are_refused_with_nothing_stored(client, make_user):
    customer, other = make_user(), make_user()
    theirs = water(client, other)
    for body, status in (
        ({"kind": "mood", "mood": 6}, 422),
        ({"kind": "mood"}, 400),
        ({"kind": "symptom", "symptoms": ["werewolf"]}, 400),
        ({"kind": "symptom", "symptoms": ["nausea", "nausea"]}, 400),
        ({"kind": "meal"}, 400),
        ({"kind": "habit"}, 400),
        ({"kind": "habit", "goal_id": theirs["id"]}, 404),
        ({"kind": "measurement", "test": "weight", "value": 900, "unit": "kg"}, 400),
        ({"kind": "measurement", "test": "weight", "value": 80, "unit": "stone"}, 400),
        ({"kind": "mood", "mood": 3, "audience": "community"}, 422),
    ):
        response = post(client, customer, "/api/check-ins", body)
        assert response.status_code == status, (body, response.content)
    assert not CheckIn.objects.exists() and not Result.objects.exists()
    # A professional does not check in for anyone.
    dietitian = make_user(Role.DIETITIAN)
    assert post(client, dietitian, "/api/check-ins", {"kind": "mood", "mood": 3}).status_code == 403


def test_a_proposed_or_dropped_habit_takes_no_check_in(client, make_user):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    proposed = created(client, dietitian, "/api/goals", {
        "customer_id": customer.pk, "kind": "habit", "habit": "Walk", "times": 3, "period": "week",
    })  # fmt: skip
    refused = post(client, customer, "/api/check-ins", {"kind": "habit", "goal_id": proposed["id"]})
    assert (refused.status_code, api_json(refused)["code"]) == (409, "goal_not_active")
    post(client, customer, f"/api/goals/{proposed['id']}/accept")
    ok = post(client, customer, "/api/check-ins", {"kind": "habit", "goal_id": proposed["id"]})
    assert ok.status_code == 201


def test_private_check_ins_never_reach_the_care_team(client, make_user):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    shared = created(
        client, customer, "/api/check-ins", {"kind": "mood", "mood": 2, "note": "tired"}
    )
    private = created(client, customer, "/api/check-ins", {
        "kind": "meal", "note": "a whole cake", "audience": "private",
    })  # fmt: skip
    mine = api_json(get(client, customer, "/api/check-ins"))["items"]
    assert {c["id"] for c in mine} == {shared["id"], private["id"]}
    theirs = api_json(get(client, dietitian, f"/api/check-ins?customer_id={customer.pk}"))
    assert [c["id"] for c in theirs["items"]] == [shared["id"]]
    assert "cake" not in str(theirs)
    assert AccessAuditEntry.objects.filter(
        actor=dietitian, subject=customer, resource="check-ins"
    ).exists()
    # Nobody else sees any; a professional deletes none of them.
    stranger = make_user(Role.DIETITIAN)
    assert get(client, stranger, f"/api/check-ins?customer_id={customer.pk}").status_code == 404
    deleted = client.delete(f"/api/check-ins/{shared['id']}", **bearer(dietitian))
    assert deleted.status_code == 404
    assert client.delete(f"/api/check-ins/{private['id']}", **bearer(customer)).status_code == 204
    assert not CheckIn.objects.filter(pk=private["id"]).exists()


def test_a_measurement_is_a_result_seen_by_the_care_team_only_if_the_test_is_shared(
    client, make_user
):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    Audiences.objects.create(
        customer=customer, test=MedicalTest.objects.get(code="waist"), audience="only_me"
    )
    weight = created(client, customer, "/api/check-ins", {
        "kind": "measurement", "test": "weight", "value": 176, "unit": "lb",
    })  # fmt: skip
    created(client, customer, "/api/check-ins", {
        "kind": "measurement", "test": "waist", "value": 90, "unit": "cm",
    })  # fmt: skip
    stored = Result.objects.get(pk=weight["measurement"]["result_id"])
    assert (stored.customer_id, stored.entered_unit, round(stored.value, 2)) == (
        customer.pk, "[lb_av]", 79.83,
    )  # fmt: skip
    assert CheckIn.objects.get(pk=weight["id"]).result_id == stored.pk
    theirs = api_json(get(client, dietitian, f"/api/check-ins?customer_id={customer.pk}"))
    assert [c["id"] for c in theirs["items"]] == [weight["id"]]
    # Deleting the check-in keeps the result: it is part of the health record.
    assert client.delete(f"/api/check-ins/{weight['id']}", **bearer(customer)).status_code == 204
    assert Result.objects.filter(pk=stored.pk).exists()


def test_the_alert_rules_hear_of_a_check_in_after_the_commit(
    client, make_user, django_capture_on_commit_callbacks
):
    customer = make_user()
    heard: list[dict] = []

    def listen(sender, **kwargs):
        heard.append(kwargs)

    checked_in.connect(listen, dispatch_uid="test-listen")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            mood = created(client, customer, "/api/check-ins", {"kind": "mood", "mood": 1})
        assert heard == []  # not before the commit
        for callback in callbacks:
            callback()
    finally:
        checked_in.disconnect(dispatch_uid="test-listen")
    assert [(h["check_in_id"], h["customer_id"], h["kind"]) for h in heard] == [
        (mood["id"], customer.pk, "mood")
    ]


@override_settings(CHECK_INS_PER_MINUTE=3)
def test_check_ins_are_limited_per_customer_per_minute(client, make_user):
    customer = make_user()
    answers = [
        post(client, customer, "/api/check-ins", {"kind": "mood", "mood": 3}).status_code
        for _ in range(4)
    ]
    assert answers == [201, 201, 201, 429]
    assert CheckIn.objects.count() == 3


def test_habit_progress_missed_and_adherence_by_the_customers_calendar(make_user):
    customer = make_user(time_zone="America/New_York")
    goal = habit_goal(customer, times=2, starts_on=dt.date(2026, 5, 1), due_on=dt.date(2026, 5, 10))
    # Two a day on May 1-8, one on the 9th and the 10th (local); 23:30 in New York is
    # the next day in UTC, and counts for the local day.
    for day in range(1, 9):
        done(
            goal,
            dt.datetime(2026, 5, day, 13, tzinfo=dt.UTC),
            dt.datetime(2026, 5, day + 1, 3, 30, tzinfo=dt.UTC),
        )
    done(
        goal,
        dt.datetime(2026, 5, 9, 13, tzinfo=dt.UTC),
        dt.datetime(2026, 5, 10, 13, tzinfo=dt.UTC),
    )
    goal.customer = customer
    evaluate(goal, dt.datetime(2026, 5, 10, 20, tzinfo=dt.UTC))  # 16:00 on the 10th
    goal.refresh_from_db()
    assert (goal.status, goal.progress, goal.missed) == ("active", 0.5, 1)
    # At 16:00 with one of two done a day: on pace (floor(2 * 2/3) = 1).
    assert goal.at_risk is False
    # After the due date: 18 of 20 done, 90 %: achieved (80 % is enough).
    evaluate(goal, dt.datetime(2026, 5, 12, tzinfo=dt.UTC))
    goal.refresh_from_db()
    assert (goal.status, goal.progress) == ("achieved", 0.9)
    CheckIn.objects.filter(goal=goal, at__gte=dt.datetime(2026, 5, 6, tzinfo=dt.UTC)).delete()
    evaluate(goal, dt.datetime(2026, 5, 12, tzinfo=dt.UTC))
    goal.refresh_from_db()
    assert goal.status == "missed"


def test_a_weekly_habit_behind_its_pace_is_at_risk(make_user):
    customer = make_user(time_zone="Europe/Paris")
    goal = habit_goal(customer, times=3, period="week", starts_on=dt.date(2026, 5, 25))
    goal.customer = customer
    # Thursday 11 June, noon in Paris: half the week gone, none done.
    evaluate(goal, dt.datetime(2026, 6, 11, 10, tzinfo=dt.UTC))
    goal.refresh_from_db()
    assert (goal.at_risk, goal.missed) == (True, 3)  # and all of last week missed
    done(goal, dt.datetime(2026, 6, 9, 8, tzinfo=dt.UTC))
    evaluate(goal, dt.datetime(2026, 6, 11, 10, tzinfo=dt.UTC))
    goal.refresh_from_db()
    assert (goal.at_risk, goal.progress) == (False, pytest.approx(1 / 3))


def test_the_dietitian_sees_the_days_a_habit_was_missed(client, make_user):
    customer, dietitian = make_user(time_zone="Europe/Paris"), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    today = timezone.now().astimezone(ZoneInfo("Europe/Paris")).date()
    goal = habit_goal(customer, times=1, starts_on=today - dt.timedelta(days=10))
    # Done on the days 5, 3 and 1 day(s) ago (at noon UTC, the same day in Paris).
    done(goal, *(
        dt.datetime.combine(today - dt.timedelta(days=n), dt.time(11), dt.UTC) for n in (5, 3, 1)
    ))  # fmt: skip
    answer = get(client, dietitian, f"/api/check-ins/missed?customer_id={customer.pk}&days=7")
    assert answer.status_code == 200, answer.content
    (item,) = api_json(answer)["goals"]
    missed_days = {dt.date.fromisoformat(p["start"]) for p in item["missed"]}
    assert missed_days == {today - dt.timedelta(days=n) for n in (7, 6, 4, 2)}
    assert AccessAuditEntry.objects.filter(
        actor=dietitian, subject=customer, resource="check-ins"
    ).exists()
    assert (
        get(
            client, make_user(Role.DIETITIAN), f"/api/check-ins/missed?customer_id={customer.pk}"
        ).status_code
        == 404
    )
    assert Goal.objects.get(pk=goal.pk).status == "active"


def test_a_retry_racing_the_first_send_is_answered_with_the_first_and_stores_nothing(
    make_user, monkeypatch
):
    customer = make_user()
    first: list[CheckIn] = []
    check_fields = checkins._check_fields

    def meanwhile(*args, **kwargs):
        # The first send commits between this request's look-up and its insert.
        check_fields(*args, **kwargs)
        first.append(CheckIn.objects.create(customer=customer, kind="mood", mood=3,
                                            at=timezone.now(), client_id="race-1"))  # fmt: skip

    monkeypatch.setattr(checkins, "_check_fields", meanwhile)
    item, created_now = checkins.log_check_in(
        customer, kind="measurement", test="weight", value=80, unit="kg", client_id="race-1"
    )
    assert (item.pk, created_now) == (first[0].pk, False)
    assert CheckIn.objects.count() == 1
    assert not Result.objects.exists()  # the loser's result went with its transaction
