"""The customer ticks the tasks of their plan's version in force done, and unticks them:
the first time is kept, their care team hears of each change and reads the ticks (a read
in the customer's access log), a tick follows its task word for word into a new version,
and nobody else ticks anything (the 404 of a plan they cannot see), nor may the customer
tick a draft, an archived plan, an earlier version or a task that is not there: each
refusal stores nothing. The download holds the ticks; erasure takes them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from accounts.erasure import erase
from accounts.models import AccessAuditEntry
from accounts.personal_data import registrations
from accounts.roles import Role
from advice import topics
from advice.models import CarePlanTaskTick, CareTeamMember
from tests.advice.plan_helpers import call, ok, published_plan
from tests.helpers import api_json

pytestmark = pytest.mark.django_db

TASKS = [{"text": "Book a blood test"}, {"text": "Buy a scale"}, {"text": "Walk after lunch"}]


@pytest.fixture
def heard(monkeypatch) -> list[tuple[str, str, dict[str, Any]]]:
    """What the care team hears (checked against the event's schema as ever)."""
    events: list[tuple[str, str, dict[str, Any]]] = []
    publish = topics.publish_many

    def record(items):
        events.extend(items)
        return publish(items)

    monkeypatch.setattr(topics, "publish_many", record)
    return events


def tick(client, actor, plan_id: int, index: int, body: dict | None = None):
    return call(
        client, "POST", actor, f"/care-plans/{plan_id}/tasks/{index}", body or {"done": True}
    )


def done(plan: dict) -> list[bool]:
    return [t["done_at"] is not None for t in plan["in_force"]["tasks"]]


def test_the_customer_ticks_and_unticks_a_task_and_the_care_team_hears_each_change(
    client, dietitian, cared, heard, django_capture_on_commit_callbacks
):
    plan = published_plan(client, dietitian, cared, title="Steadier mornings", tasks=TASKS)
    assert done(plan) == [False, False, False]
    heard.clear()
    told = [
        (
            f"user:{dietitian.pk}",
            "care.activity",
            {"customer": cared.pk, "what": "plan", "id": plan["id"]},
        )
    ]

    with django_capture_on_commit_callbacks(execute=True):
        ticked = ok(tick(client, cared, plan["id"], 1))
    assert done(ticked) == [False, True, False]
    assert ticked["in_force"]["tasks"][1]["text"] == "Buy a scale"
    first = ticked["in_force"]["tasks"][1]["done_at"]
    assert heard == told

    # Ticking again keeps the first time, and tells nobody anything.
    with django_capture_on_commit_callbacks(execute=True):
        again = ok(tick(client, cared, plan["id"], 1, {"done": True, "version": 1}))
    assert again["in_force"]["tasks"][1]["done_at"] == first
    assert heard == told and CarePlanTaskTick.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        unticked = ok(tick(client, cared, plan["id"], 1, {"done": False}))
        ok(tick(client, cared, plan["id"], 1, {"done": False}))
    assert done(unticked) == [False, False, False]
    assert heard == told * 2 and not CarePlanTaskTick.objects.exists()
    # Her own read shows what she ticked.
    ok(tick(client, cared, plan["id"], 2))
    assert done(ok(call(client, "GET", cared, f"/care-plans/{plan['id']}"))) == [False, False, True]


def test_the_care_team_reads_the_ticks_and_each_read_is_in_the_access_log(
    client, make_user, dietitian, cared
):
    provider = make_user(Role.MEDICAL_PROVIDER)
    CareTeamMember.objects.create(customer=cared, professional=provider)
    plan = published_plan(client, dietitian, cared, title="Steadier mornings", tasks=TASKS)
    ok(tick(client, cared, plan["id"], 0))
    reads = AccessAuditEntry.objects.filter(subject=cared, action="read", resource="care plans")
    before = reads.count()
    (listed,) = ok(call(client, "GET", dietitian, f"/care-plans?customer_id={cared.pk}"))
    assert done(listed) == [True, False, False]
    assert done(ok(call(client, "GET", provider, f"/care-plans/{plan['id']}"))) == [
        True,
        False,
        False,
    ]
    version = ok(call(client, "GET", dietitian, f"/care-plans/{plan['id']}/versions/1"))
    assert [t["done_at"] is not None for t in version["tasks"]] == [True, False, False]
    assert reads.count() == before + 3
    assert set(reads.values_list("actor", flat=True)) == {dietitian.pk, provider.pk}
    # The customer's own reads are not logged.
    ok(call(client, "GET", cared, f"/care-plans/{plan['id']}"))
    assert reads.count() == before + 3


def test_a_tick_follows_its_task_word_for_word_into_a_new_version(client, dietitian, cared):
    plan = published_plan(client, dietitian, cared, title="Steadier mornings", tasks=TASKS)
    path = f"/care-plans/{plan['id']}"
    ok(tick(client, cared, plan["id"], 0))
    ok(tick(client, cared, plan["id"], 2))
    blood_test = ok(call(client, "GET", cared, path))["in_force"]["tasks"][0]["done_at"]
    change = {
        "tasks": [
            {"text": "Walk after lunch and dinner"},
            {"text": "Buy a scale"},
            {"text": "Book a blood test"},
            {"text": "Weigh on Mondays"},
        ]
    }
    draft = ok(call(client, "PATCH", dietitian, path, change))["draft"]
    # A draft's tasks are their words alone (never ticked); the customer ticks version 1.
    assert draft["tasks"] == change["tasks"]
    assert done(ok(call(client, "GET", cared, path))) == [True, False, True]

    ok(call(client, "POST", dietitian, path + "/publish"))
    seen = ok(call(client, "GET", cared, path))
    assert seen["in_force"]["number"] == 2
    # The same words keep their tick and its time; changed or new words start unticked.
    assert done(seen) == [False, False, True, False]
    assert seen["in_force"]["tasks"][2]["done_at"] == blood_test
    # Version 1 keeps its ticks as they were.
    first = ok(call(client, "GET", cared, path + "/versions/1"))
    assert [t["done_at"] is not None for t in first["tasks"]] == [True, False, True]
    # A page still showing version 1 ticks nothing in version 2.
    stale = tick(client, cared, plan["id"], 1, {"done": True, "version": 1})
    assert stale.status_code == 409 and api_json(stale)["code"] == "not_in_force"
    assert done(ok(call(client, "GET", cared, path))) == [False, False, True, False]


def test_only_the_customer_ticks_and_each_refusal_stores_nothing(
    client, make_user, dietitian, cared, heard, django_capture_on_commit_callbacks
):
    provider = make_user(Role.MEDICAL_PROVIDER)
    CareTeamMember.objects.create(customer=cared, professional=provider)
    plan = published_plan(client, dietitian, cared, title="Steadier mornings", tasks=TASKS)
    heard.clear()
    missing = tick(client, cared, plan["id"] + 1000, 0)
    assert missing.status_code == 404
    assert api_json(missing)["message"] == "no such care plan"
    # The care team reads the ticks and ticks none; a stranger finds no such plan.
    with django_capture_on_commit_callbacks(execute=True):
        for someone in (dietitian, provider, make_user(Role.DIETITIAN), make_user()):
            refused = tick(client, someone, plan["id"], 0)
            assert (refused.status_code, api_json(refused)) == (404, api_json(missing))

        # A plan never published: there is nothing the customer sees to tick.
        draft = ok(
            call(
                client,
                "POST",
                dietitian,
                "/care-plans",
                {"customer_id": cared.pk, "title": "Later", "tasks": TASKS},
            ),
            201,
        )
        refused = tick(client, cared, draft["id"], 0)
        assert (refused.status_code, api_json(refused)) == (404, api_json(missing))

        # A task that is not there, named by the field at fault.
        for index in (3, -1, 10**6):
            out_of_range = tick(client, cared, plan["id"], index)
            assert out_of_range.status_code == 400, out_of_range.content
            assert (api_json(out_of_range)["code"], api_json(out_of_range)["field"]) == (
                "invalid_field",
                "index",
            )
        # A version that is not in force (a draft's number included), and a body without
        # what to do.
        ok(call(client, "PATCH", dietitian, f"/care-plans/{plan['id']}", {"title": "Two"}))
        for version in (2, 7):
            refused = tick(client, cared, plan["id"], 0, {"done": True, "version": version})
            assert refused.status_code == 409 and api_json(refused)["code"] == "not_in_force"
        assert tick(client, cared, plan["id"], 0, {"version": 1}).status_code == 422
        assert tick(client, cared, plan["id"], 0, {"done": True, "at": "now"}).status_code == 422

        # An archived plan changes no more, its ticks included.
        ok(call(client, "POST", dietitian, f"/care-plans/{plan['id']}/archive"))
        heard.clear()
        archived = tick(client, cared, plan["id"], 0)
        assert archived.status_code == 409 and api_json(archived)["code"] == "plan_archived"
    assert not CarePlanTaskTick.objects.exists()
    assert heard == []


@override_settings(PLAN_TICKS_PER_MINUTE=3)
def test_ticks_are_limited_per_customer_per_minute(client, dietitian, cared):
    plan = published_plan(client, dietitian, cared, title="Steadier mornings", tasks=TASKS)
    answers = [
        tick(client, cared, plan["id"], 0, {"done": n % 2 == 0}).status_code for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]
    assert CarePlanTaskTick.objects.count() == 1


def test_the_customers_download_holds_the_ticks_and_erasure_takes_them(client, dietitian, cared):
    plan = published_plan(client, dietitian, cared, title="Steadier mornings", tasks=TASKS)
    ok(tick(client, cared, plan["id"], 2))
    (plans,) = [r for r in registrations() if r.name == "advice.plans"]
    assert plans.export is not None
    (ticks,) = [p for p in plans.export(cared) if getattr(p, "name", "") == "care-plan-tasks-done"]
    assert [{k: v for k, v in row.items() if k != "done_at"} for row in ticks.rows] == [
        {"plan": plan["id"], "version": 1, "task": 2, "text": "Walk after lunch"}
    ]
    assert ticks.rows[0]["done_at"] is not None
    # The dietitian's download holds none of the customer's ticks.
    (theirs,) = [
        p for p in plans.export(dietitian) if getattr(p, "name", "") == "care-plan-tasks-done"
    ]
    assert theirs.rows == []
    erase(cared)
    assert not CarePlanTaskTick.objects.exists()
