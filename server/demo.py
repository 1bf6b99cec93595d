"""Demo content for embedded mode, made through the services so it is what members would
have made. It tells one story: Casey (a customer in Ontario, in Toronto's zone) is in the
care of Dana (a dietitian), and they have chatted; Casey is enrolled in Dana's upcoming
virtual class, has a place at a live Q&A starting in minutes (its room open now), can
answer a survey, has a topic of their own in the Ontario forum with Dana's reply, and has
notices to look at, and keeps her profile and six months of results, which she shares
with her care team. Dana has published a care plan for Casey (which Casey acknowledged),
proposed an LDL target Casey accepted, and Casey keeps two habits she checks in on; this
morning's weigh-in is down more than 2% in a week, so an alert waits on Dana's dashboard;
Morgan (a moderator) has a flagged post in the review queue.

Each part is made once, when what it makes is missing (``make run`` calls this on every
start); the live Q&A is made again when the last one is over, so its room can be opened
on any day the demo starts.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from advice import checkins, goals, notes, plan_templates, plans
from advice import requests as care_requests
from advice.models import CarePlan, CareTeamMember, Goal
from community.forum import flags, moderation
from community.forum import services as forum
from community.messaging import services as messaging
from community.messaging.sending import send_direct_message
from community.models import Category, Survey, Thread
from community.surveys import services as surveys
from events import classes
from events import services as events
from events.models import ClassSeries, Event
from events.reminders import send_reminders
from profiles import consents, results, values
from profiles.models import Consent, Result

DOMAIN = "@demo.edietitian.local"
CASEY_TOPIC = "Saturday market walk in Toronto?"
OFF_TOPIC = "Message me for a detox tea that melts 10 kg in a week!!! Best price."
CLASS_TITLE = "Eat well on a budget"
LIVE_TITLE = "Live Q&A: snacks that keep you going"


def seed(by_email: dict[str, User]) -> None:
    people = {email.removesuffix(DOMAIN): user for email, user in by_email.items()}
    _forum(people)
    _forum_story(people)
    _care_team(people)
    _consents(people)
    _health(people)
    _advice(people)
    _class(people)
    _live_event(people)
    _market_walk(people)
    _survey(people)
    # The reminders due now (the Q&A within the hour, the class tomorrow): Casey is told.
    send_reminders()


def _forum(people: dict[str, User]) -> None:
    if Category.objects.exists():
        return
    admin, dietitian, casey = people["admin"], people["dietitian"], people["casey"]
    now = timezone.now()
    recipes = forum.create_category(
        admin, name="Healthy recipes", slug="recipes", description="Share what you cook."
    )
    forum.create_category(
        admin,
        name="Ontario meetups",
        slug="ontario",
        description="Walks, markets and cooking classes near you.",
        region="ca-on",
    )
    forum.create_category(
        admin, name="Recettes du Québec", slug="quebec", locale="fr", region="ca-qc"
    )
    forum.create_category(
        admin,
        name="30-day vegetable challenge",
        slug="veggie-challenge",
        description="One new vegetable a day, for thirty days.",
        starts_at=now,
        ends_at=now + timedelta(days=30),
    )
    moderation.add_scope(admin, people["moderator"].pk, category_id=None, region="ca-on", locale="")
    thread, opening = forum.start_thread(
        dietitian, recipes.pk, "Warming winter soups", "What do you cook when it is **cold**?"
    )
    forum.reply(casey, thread.pk, "Red lentil soup with cumin!", reply_to=opening.pk)


def _forum_story(people: dict[str, User]) -> None:
    """Casey's own topic in the Ontario forum, which Dana answers (a notice for Casey),
    and an off-topic advert in the recipes that two members flag (Morgan's queue)."""
    if Thread.objects.filter(title=CASEY_TOPIC).exists():
        return
    admin, dietitian, casey = people["admin"], people["dietitian"], people["casey"]
    ontario = Category.objects.get(slug="ontario")
    recipes = Category.objects.get(slug="recipes")
    forum.start_thread(
        dietitian,
        ontario.pk,
        "Cooking class at the Scarborough library",
        "A free hands-on class every first Tuesday: knife skills and **batch cooking**.",
    )
    thread, opening = forum.start_thread(
        casey,
        ontario.pk,
        CASEY_TOPIC,
        "Is anyone going to the St. Lawrence market on Saturday morning? "
        "I would like to learn which vegetables are in season.",
    )
    forum.reply(
        dietitian,
        thread.pk,
        "I will be there at 9, by the north entrance: come and say hello, we can look at "
        "the root vegetables together.",
        reply_to=opening.pk,
    )
    # Morgan moderates the recipes too, where the advert is.
    moderation.add_scope(
        admin, people["moderator"].pk, category_id=recipes.pk, region="", locale=""
    )
    soups = Thread.objects.filter(category=recipes, title="Warming winter soups").first()
    if soups is not None:
        advert = forum.reply(people["robin"], soups.pk, OFF_TOPIC)
        flags.flag(casey, advert.pk, "spam", "an advert, not a recipe")
        flags.flag(people["sam"], advert.pk, "off_topic")


def _consents(people: dict[str, User]) -> None:
    """Casey agreed to care by her care team (Dana sees what Casey shares with it) and to
    anonymised analytics; not to newsletters."""
    casey = people["casey"]
    if Consent.objects.filter(customer=casey).exists():
        return
    for purpose in ("care", "analytics"):
        consents.grant(casey, purpose, consents.TEXTS[purpose].version)


def _health(people: dict[str, User]) -> None:
    """Casey's profile (her city on her community card, the rest for her care team) and
    six months of results: a weekly weight going down, her height, and two lab panels
    where the LDL cholesterol came back high and then better; Dana entered the second."""
    casey, dietitian = people["casey"], people["dietitian"]
    if Result.objects.filter(customer=casey).exists():
        return
    values.update_profile(
        casey,
        casey.pk,
        version=values.read_profile(casey, casey.pk)["version"],
        values={
            "birth_date": "1988-05-14",
            "sex": "female",
            "health_goals": ["eat_healthier", "lower_cholesterol"],
            "diet": "vegetarian",
            "activity_level": "light",
            "city": "Toronto",
            "bio": "Learning to cook with what is in season.",
        },
        audiences={"city": "community", "bio": "community"},
    )
    # Measured at 8 in the morning where Casey lives.
    local = timezone.localtime(timezone.now(), ZoneInfo(casey.time_zone))
    now = local.replace(hour=8, minute=0, second=0, microsecond=0)
    results.record_result(
        casey, casey.pk, test_code="height", value=168, unit="cm", taken_at=now - timedelta(183)
    )
    for week in range(26):
        taken = now - timedelta(days=7 * (26 - week))
        weight = 82.4 - 0.19 * week + (0.3 if week % 3 == 0 else 0)
        results.record_result(
            casey, casey.pk, test_code="weight", value=round(weight, 1), unit="kg", taken_at=taken
        )
    panels = [
        (casey, 170, {"ldl": 4.2, "hdl": 1.4, "cholesterol_total": 6.1, "glucose_fasting": 5.3}),
        (dietitian, 20, {"ldl": 3.1, "hdl": 1.5, "cholesterol_total": 5.0, "hba1c": 5.4}),
    ]
    for author, days_ago, panel in panels:
        for code, value in panel.items():
            unit = "%" if code == "hba1c" else "mmol/L"
            results.record_result(
                author,
                casey.pk,
                test_code=code,
                value=value,
                unit=unit,
                taken_at=now - timedelta(days=days_ago),
            )


def _advice(people: dict[str, User]) -> None:
    """Dana's plan for Casey, their goals, ten days of Casey's check-ins, a note, and this
    morning's weigh-in, which trips the default rule on weight lost in a week."""
    casey, dietitian = people["casey"], people["dietitian"]
    if CarePlan.objects.filter(customer=casey).exists():
        return
    plan = plans.create_plan(
        dietitian,
        casey.pk,
        {
            "title": "Lower LDL with everyday food",
            "body": (
                "Your LDL came down from 4.2 to 3.1 mmol/L: well done. Let us keep going "
                "with food you already like.\n\n- **Oats or barley** at breakfast most days\n"
                "- **Beans or lentils** four times a week\n- A handful of nuts as a snack"
            ),
            "recommendations": [
                "Two portions of vegetables at lunch",
                "Swap butter for olive oil when you cook",
            ],
            "tasks": [{"text": "Book a blood test in three months"}],
            "attachments": [],
            # Proposed to Casey when the plan is published (she accepts it below).
            "goals": [
                {"kind": "target", "test": "ldl", "comparison": "lt", "target": 3.0,
                 "unit": "mmol/L", "due_in_days": 90},
            ],
        },
    )  # fmt: skip
    plans.publish_plan(dietitian, plan.pk)
    plans.acknowledge_plan(casey, plan.pk)
    now = timezone.now()
    ldl = Goal.objects.get(customer=casey, plan=plan, test__code="ldl")
    goals.accept_goal(casey, ldl.pk)
    plan_templates.create_template(
        dietitian,
        {
            "title": "Heart-friendly start",
            "body": "Small changes that add up: more fibre, better fats, a little more walking.",
            "recommendations": ["Oats at breakfast", "Olive oil instead of butter"],
            "tasks": [{"text": "Write down what you eat for three days"}],
            "goals": [
                {"kind": "habit", "habit": "Vegetables at lunch", "times": 1, "period": "day"},
                {"kind": "habit", "habit": "Brisk walk", "times": 3, "period": "week"},
            ],
        },
        shared=True,
    )
    walk = goals.set_goal(
        casey,
        casey.pk,
        kind="habit",
        habit="Walk 30 minutes",
        times=3,
        period="week",
        remind_at=dt.time(18, 0),
    )
    veg = goals.set_goal(
        casey,
        casey.pk,
        kind="habit",
        habit="Vegetables at lunch",
        times=1,
        period="day",
        remind_at=dt.time(12, 30),
    )
    # Casey set her habits two weeks ago (a goal starts the day it is set: moved back).
    Goal.objects.filter(pk__in=[walk.pk, veg.pk]).update(starts_on=(now - timedelta(14)).date())
    for day in range(10, 0, -1):
        at = now - timedelta(days=day)
        if day % 4 != 0:
            checkins.log_check_in(casey, kind="habit", goal_id=veg.pk, at=at)
        if day % 3 == 0:
            checkins.log_check_in(casey, kind="habit", goal_id=walk.pk, at=at)
        checkins.log_check_in(casey, kind="mood", mood=3 + day % 3, at=at)
    goals.evaluate_active_goals()
    notes.add_note(
        dietitian,
        casey.pk,
        "Casey prefers plant protein; cooking for two. Review the LDL in three months.",
        door="task",
    )
    # This morning's weigh-in, through the check-in page: down more than 2% in a week.
    checkins.log_check_in(
        casey, kind="measurement", test="weight", value=75.6, unit="kg", at=now - timedelta(hours=1)
    )


def _care_team(people: dict[str, User]) -> None:
    """Dana offers Casey her care and Casey accepts (each is told, as members would be)
    and they chat; Dana's last message waits for Casey."""
    dietitian, casey = people["dietitian"], people["casey"]
    if CareTeamMember.objects.filter(customer=casey, professional=dietitian).exists():
        return
    offered = care_requests.offer(
        dietitian, casey, "Hello Casey, I would be glad to help you eat well.", door="task"
    )
    care_requests.accept(casey, offered.pk)
    conversation = messaging.start_conversation(dietitian, [casey.pk])
    for n, (sender, body) in enumerate(
        [
            (dietitian, "Hi Casey, welcome! I am Dana, your dietitian here."),
            (casey, "Hi Dana, thank you! I would like to eat more vegetables."),
            (
                dietitian,
                "A good start: try one new vegetable a week. My class tomorrow has "
                "ideas too, and I saved you a place.",
            ),
        ]
    ):
        send_direct_message(sender, conversation.pk, body, f"demo-care-{n}")


def _class(people: dict[str, User]) -> None:
    """Dana's virtual class for Ontario, its first session tomorrow; Casey is enrolled."""
    now = timezone.now()
    upcoming = Event.objects.filter(
        series__title=CLASS_TITLE, starts_at__gt=now, cancelled_at__isnull=True
    )
    if upcoming.exists():
        return
    dietitian = people["dietitian"]
    # Tomorrow, on the hour: the day-before reminder is due already.
    first = (now + timedelta(hours=23)).replace(minute=0, second=0, microsecond=0)
    series: ClassSeries = classes.create_series(
        dietitian,
        title=CLASS_TITLE,
        description="Six weekly sessions: planning, shopping lists, batch cooking.",
        region="ca-on",
        capacity=12,
        first_start=first,
        duration_minutes=60,
        sessions=6,
    )
    classes.enroll(people["casey"], series.pk)


def _live_event(people: dict[str, User]) -> None:
    """A virtual Q&A for everyone starting in a few minutes (a place is taken before the
    start): Casey has one, and its live room opens now. Made again once the last one is
    over."""
    now = timezone.now()
    live = Event.objects.filter(title=LIVE_TITLE, ends_at__gt=now, cancelled_at__isnull=True)
    if live.exists():
        return
    event = events.create_event(
        people["dietitian"],
        title=LIVE_TITLE,
        description="Bring your questions about snacks between meals.",
        kind=Event.Kind.VIRTUAL,
        category="webinar",
        starts_at=now + timedelta(minutes=10),
        ends_at=now + timedelta(minutes=100),
        capacity=50,
    )
    events.rsvp(people["casey"], event.pk)


def _market_walk(people: dict[str, User]) -> None:
    """An in-person event in Ontario next week, for finding an event near you."""
    now = timezone.now()
    if Event.objects.filter(title="Farmers' market walk", starts_at__gt=now).exists():
        return
    start = (now + timedelta(days=6)).replace(minute=0, second=0, microsecond=0)
    events.create_event(
        people["dietitian"],
        title="Farmers' market walk",
        description="What is in season, and how to cook it.",
        kind=Event.Kind.IN_PERSON,
        category="walk",
        venue="St. Lawrence Market, north entrance",
        address="92 Front St E, Toronto",
        region="ca-on",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=15,
    )


def _survey(people: dict[str, User]) -> None:
    now = timezone.now()
    if Survey.objects.filter(closes_at__gt=now).exists():
        return
    surveys.create_survey(
        people["dietitian"],
        title="Breakfast habits",
        description="Two minutes, anonymous in the results.",
        audience="all",
        audience_value="",
        opens_at=now,
        closes_at=now + timedelta(days=14),
        results_for="respondents",
        questions=[
            {"kind": "single", "text": "Do you eat breakfast?", "required": True,
             "options": ["Every day", "Sometimes", "Rarely"]},
            {"kind": "multiple", "text": "What do you usually have?",
             "options": ["Oats", "Eggs", "Fruit", "Toast", "Yogurt"]},
            {"kind": "scale", "text": "How full are you until lunch?", "scale_min": 1,
             "scale_max": 5},
            {"kind": "text", "text": "Anything you would like help with?"},
        ],
    )  # fmt: skip
