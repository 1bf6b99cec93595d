"""Demo forum and survey content for embedded mode, made once through the services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from community.forum import moderation
from community.forum import services as forum
from community.models import Category
from community.surveys import services as surveys


def seed(by_email: dict[str, User]) -> None:
    if Category.objects.exists():
        return
    admin = by_email["admin@demo.edietitian.local"]
    dietitian = by_email["dietitian@demo.edietitian.local"]
    casey = by_email["casey@demo.edietitian.local"]
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
    moderation.add_scope(
        admin,
        by_email["moderator@demo.edietitian.local"].pk,
        category_id=None,
        region="ca-on",
        locale="",
    )
    thread, opening = forum.start_thread(
        dietitian, recipes.pk, "Warming winter soups", "What do you cook when it is **cold**?"
    )
    forum.reply(casey, thread.pk, "Red lentil soup with cumin!", reply_to=opening.pk)
    surveys.create_survey(
        dietitian,
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
