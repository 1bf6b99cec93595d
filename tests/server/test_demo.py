"""The demo data tells the story a new visitor follows: the demo customer is in the demo
dietitian's care team and they have chatted, enrolled in an upcoming virtual class, has a
place at a live Q&A whose room opens now, a survey to answer, topics in their region's
forum, notices to look at; the moderator has a flagged post to review. Made once."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from advice.models import CareTeamMember
from community.forum import flags
from community.models import ForumProfile, Post, Thread
from events import rooms
from events.models import Enrollment, Event, Rsvp
from notifications.models import Notification
from profiles.models import Result
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db(transaction=True)

DOMAIN = "@demo.edietitian.local"


@pytest.fixture
def seeded(settings, tmp_path) -> str:
    settings.EMBEDDED = True
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def person(name: str) -> User:
    return User.objects.get(email=name + DOMAIN)


def test_the_demo_customer_is_in_the_dietitians_care_and_they_have_chatted(seeded, client):
    casey, dana = person("casey"), person("dietitian")
    assert "casey@demo.edietitian.local" in seeded  # the accounts are printed
    assert (casey.region, casey.time_zone) == ("ca-on", "America/Toronto")
    assert CareTeamMember.objects.filter(customer=casey, professional=dana).exists()
    team = api_json(client.get("/api/care-team", **bearer(casey)))
    assert [t["professional"]["name"] for t in team] == ["Dana Dietitian"]
    conversations = api_json(client.get("/api/conversations", **bearer(casey)))
    [chat] = conversations if isinstance(conversations, list) else conversations["items"]
    assert {m["id"] for m in chat["members"]} == {casey.pk, dana.pk}
    assert chat["unread"] >= 1


def test_the_demo_customer_has_a_class_a_live_room_a_survey_and_regional_topics(seeded, client):
    casey = person("casey")
    now = timezone.now()
    enrolled = Enrollment.objects.get(user=casey)
    assert enrolled.series.sessions.filter(starts_at__gt=now, kind="virtual").exists()
    soon = now + timedelta(minutes=15)
    live = Event.objects.get(rsvps__user=casey, starts_at__lte=soon, ends_at__gt=now)
    assert live.kind == Event.Kind.VIRTUAL and rooms.can_enter(casey, live)
    assert Rsvp.objects.filter(event=live, user=casey).exists()
    listed = api_json(client.get("/api/surveys", **bearer(casey)))
    items = listed if isinstance(listed, list) else listed["items"]
    assert any(s["title"] == "Breakfast habits" for s in items)
    ontario = Thread.objects.filter(category__region="ca-on", deleted_at__isnull=True)
    assert ontario.count() >= 2 and ontario.filter(author=casey).exists()
    categories = api_json(client.get("/api/forum/categories", **bearer(casey)))
    mine = [c["name"] for c in categories if c["for_you"]]
    assert "Ontario meetups" in mine and "Recettes du Québec" not in mine
    events = api_json(client.get("/api/events", **bearer(casey)))
    titles = {e["title"] for e in (events if isinstance(events, list) else events["items"])}
    assert "Farmers' market walk" in titles


def test_the_demo_customer_shares_a_profile_and_results_with_her_dietitian(seeded, client):
    casey, dana, sam = person("casey"), person("dietitian"), person("sam")
    shown = api_json(client.get(f"/api/customers/{casey.pk}/tests", **bearer(dana)))
    tests = {t["code"]: t for t in shown["tests"]}
    # 26 weekly weights, and this morning's weigh-in from her check-in page.
    assert tests["weight"]["count"] == 27 and tests["bmi"]["count"] == 27
    assert tests["ldl"]["count"] == 2 and tests["ldl"]["latest"]["interpretation"] == "normal"
    series = api_json(
        client.get(f"/api/customers/{casey.pk}/results/series?test=ldl", **bearer(dana))
    )
    assert [p["i"] for p in series["points"]] == ["high", "normal"]
    shared = api_json(client.get(f"/api/customers/{casey.pk}/profile", **bearer(dana)))
    assert {f["key"] for f in shared["fields"]} >= {"birth_date", "health_goals", "city"}
    # Another member sees her city on her card in the forum, and nothing of her health.
    handle = ForumProfile.objects.get(user=casey).handle
    card = api_json(client.get(f"/api/forum/members/{handle}/card", **bearer(sam)))
    assert [(f["key"], f["value"]) for f in card["fields"]] == [
        ("city", "Toronto"),
        ("bio", "Learning to cook with what is in season."),
    ]
    assert client.get(f"/api/customers/{casey.pk}/tests", **bearer(sam)).status_code == 404


def test_the_demo_dietitian_sees_casey_on_her_dashboard_with_a_plan_goals_and_an_alert(
    seeded, client
):
    casey, dana = person("casey"), person("dietitian")
    board = api_json(client.get("/api/care/dashboard", **bearer(dana)))
    row = next(r for r in board["items"] if r["customer"]["id"] == casey.pk)
    assert (row["open_alerts"], row["worst_severity"]) == (1, "warning")
    alerts = api_json(client.get(f"/api/alerts?customer_id={casey.pk}", **bearer(dana)))
    assert [a["rule"]["name"] for a in alerts] == ["Weight down more than 2% in a week"]
    plans = api_json(client.get("/api/care-plans", **bearer(casey)))
    assert [p["in_force"]["acknowledged_at"] is not None for p in plans] == [True]
    goals = api_json(client.get("/api/goals", **bearer(casey)))
    assert {g["status"] for g in goals} == {"active"} and len(goals) == 3
    # The plan proposed the LDL goal, which Casey accepted; Dana keeps a shared template.
    assert [g["test"] for g in plans[0]["in_force"]["goals"]] == ["ldl"]
    assert [g["plan_id"] for g in goals if g["kind"] == "target"] == [plans[0]["id"]]
    templates = api_json(client.get("/api/plan-templates", **bearer(dana)))
    assert [(t["title"], len(t["goals"])) for t in templates] == [("Heart-friendly start", 2)]
    shared = api_json(client.get(f"/api/check-ins?customer_id={casey.pk}", **bearer(dana)))
    assert {c["kind"] for c in shared["items"]} >= {"habit", "mood", "measurement"}


def test_the_demo_customer_has_notices_and_the_moderator_a_queue(seeded):
    casey = person("casey")
    kinds = set(Notification.objects.filter(user=casey).values_list("kind", flat=True))
    assert {"care.offer", "care.added", "forum.reply", "event.reminder"} <= kinds
    queue = flags.review_queue(person("moderator"))
    assert len(queue) == 1
    assert queue[0]["open_flags"] == 2
    flagged = Post.objects.get(pk=queue[0]["post"]["id"])
    assert flagged.author == person("robin") and flagged.flag_count == 2


def test_seeding_again_makes_nothing_twice(seeded, settings):
    counts = (
        Thread.objects.count(),
        Event.objects.count(),
        CareTeamMember.objects.count(),
        Notification.objects.count(),
        Post.objects.count(),
        Result.objects.count(),
    )
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "casey@demo.edietitian.local" in out.getvalue()
    assert counts == (
        Thread.objects.count(),
        Event.objects.count(),
        CareTeamMember.objects.count(),
        Notification.objects.count(),
        Post.objects.count(),
        Result.objects.count(),
    )
