"""Plain helpers for the profiles tests: a member with a footprint in every app (a health
record, consents, a care team, messages, forum posts, a survey answer, RSVPs, a live
room), made through the services where there is one and as rows where the service is
still to come. Every text that names the member or holds a health value is unique, so a
search of the whole database finds it or not."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.audit import record_access
from accounts.models import User
from accounts.roles import Role
from advice import requests as care_requests
from advice.services import add_to_care_team
from community.forum import profiles as forum_profiles
from community.forum import services as forum
from community.messaging import sending
from community.messaging import services as messaging
from community.surveys import services as surveys
from events import interaction, rooms
from events import services as events
from notifications.services import set_preference
from profiles.models import (
    Attribute,
    Audience,
    Consent,
    MedicalTest,
    Profile,
    ProfileChange,
    ProfileValue,
    Result,
    TestAudience,
)
from tests.helpers import new_user


@dataclass
class Footprint:
    member: User
    dietitian: User
    other: User
    admin: User
    # Texts that must be gone from every table after erasure.
    secrets: list[str] = field(default_factory=list)
    # Ids of what must stay, for the others.
    direct: int = 0
    group: int = 0
    message_body: str = ""
    thread: int = 0
    post: int = 0
    post_body: str = ""
    event: int = 0
    ids: dict[str, Any] = field(default_factory=dict)


def unique() -> str:
    return uuid.uuid4().hex[:10]


def health_record(member: User, professional: User | None = None) -> list[str]:
    """A profile value (and its history), results (one corrected), test audiences and
    consents, as rows. Returns the unique texts they hold."""
    tag = unique()
    city = Attribute.objects.create(
        key=f"city_{tag}", labels={"en": "City"}, kind=Attribute.Kind.TEXT, display_field=True
    )
    height = Attribute.objects.create(
        key=f"height_{tag}", labels={"en": "Height"}, kind=Attribute.Kind.NUMBER, unit="cm"
    )
    test = MedicalTest.objects.create(
        code=f"weight_{tag}", names={"en": "Weight"}, unit="kg",
        plausible_min=1, plausible_max=500,
    )  # fmt: skip
    town, old_town = f"Zyxtown{tag}", f"Oldburg{tag}"
    Profile.objects.create(customer=member, version=2)
    ProfileValue.objects.create(
        customer=member, attribute=city, value=town, audience=Audience.COMMUNITY
    )
    ProfileValue.objects.create(
        customer=member, attribute=height, value=181.37, audience=Audience.CARE_TEAM
    )
    ProfileChange.objects.create(
        customer=member, attribute=city, old_value=old_town, new_value=town,
        old_audience=Audience.ONLY_ME, new_audience=Audience.COMMUNITY, changed_by=member,
    )  # fmt: skip
    first, corrected = f"83.{tag[:4]}1", f"82.{tag[:4]}9"
    note = f"after-breakfast-{tag}"
    taken = timezone.now() - timedelta(days=2)
    old = Result.objects.create(
        customer=member, test=test, value=83.1, entered_value=first, entered_unit="kg",
        taken_at=taken, source=Result.Source.SELF, entered_by=member, note=note,
        superseded_at=timezone.now(),
    )  # fmt: skip
    Result.objects.create(
        customer=member, test=test, value=82.9, entered_value=corrected, entered_unit="kg",
        taken_at=taken, source=Result.Source.CARE_TEAM, entered_by=professional or member,
        replaces=old, reason="typo",
    )  # fmt: skip
    TestAudience.objects.create(customer=member, test=test, audience=Audience.ONLY_ME)
    Consent.objects.create(customer=member, purpose=Consent.Purpose.CARE, version="1")
    Consent.objects.create(
        customer=member, purpose=Consent.Purpose.ANALYTICS, version="1",
        withdrawn_at=timezone.now(),
    )  # fmt: skip
    return [town, old_town, first, corrected, note]


def footprint() -> Footprint:
    """A customer with something in every app; a dietitian caring for them, another
    customer and an admin around them."""
    tag = unique()
    member = new_user(
        Role.CUSTOMER,
        email=f"quill-{tag}@example.org",
        display_name=f"Quillon Vexmoor{tag}",
        region="ca-on",
    )
    dietitian = new_user(Role.DIETITIAN, display_name=f"Dana Dietitian{tag}")
    other = new_user(Role.CUSTOMER, display_name=f"Olive Other{tag}", region="ca-on")
    admin = new_user(Role.ADMIN, display_name=f"Ada Admin{tag}")
    found = Footprint(member, dietitian, other, admin)
    found.secrets = [member.email or "", member.display_name]

    # Care: a team; a request to another dietitian; an offer the member accepted, and
    # that dietitian's handover to a fourth, done; a handover by the dietitian, pending
    # (each side told, naming the member); and the dietitian reading the record (audited).
    add_to_care_team(admin, member, dietitian)
    asked = new_user(Role.DIETITIAN, display_name=f"Asa Asked{tag}")
    care_requests.ask(member, asked.pk, "Please?")
    offering = new_user(Role.DIETITIAN, display_name=f"Olga Offering{tag}")
    offered = care_requests.offer(offering, member, "May I help?")
    care_requests.accept(member, offered.pk)
    successor = new_user(Role.DIETITIAN, display_name=f"Sam Successor{tag}")
    handover = care_requests.hand_over(offering, member.pk, successor.pk, "On leave")
    care_requests.accept(successor, handover.pk)
    care_requests.accept(member, handover.pk)
    taker = new_user(Role.DIETITIAN, display_name=f"Tara Taker{tag}")
    care_requests.hand_over(dietitian, member.pk, taker.pk, "Moving away")
    found.secrets += health_record(member, dietitian)
    record_access(dietitian, [member], "read", "profile", "http")
    record_access(member, [other], "view", "card", "http")

    # Messages: a direct conversation and a group, both ways.
    direct = messaging.start_conversation(member, [dietitian.pk])
    found.message_body = f"See you on Tuesday {tag}"
    sending.send_direct_message(member, direct.pk, found.message_body, f"c-{tag}-1")
    sending.send_direct_message(dietitian, direct.pk, "Tuesday it is", f"c-{tag}-2")
    group = messaging.start_conversation(member, [dietitian.pk, other.pk], title="Walkers")
    sending.send_direct_message(member, group.pk, "Hello walkers", f"c-{tag}-3")
    found.direct, found.group = direct.pk, group.pk

    # The forum: a topic and a post by the member under their full name, a reply quoting
    # it, a reaction, and a mention-free body.
    forum_profiles.update_profile(member, handle=f"quill{tag}", name_style="full")
    found.secrets.append(f"quill{tag}")
    category = forum.create_category(admin, name="Kitchen", slug=f"kitchen-{tag}")
    found.post_body = f"My overnight oats recipe {tag}"
    thread, post = forum.start_thread(member, category.pk, "Oats", found.post_body)
    reply = forum.reply(other, thread.pk, "Lovely, thanks", reply_to=post.pk)
    forum.react(member, reply.pk, "👍", True)
    found.thread, found.post = thread.pk, post.pk

    # A survey answer.
    survey = surveys.create_survey(
        dietitian, title="Breakfast", description="", audience="all", audience_value="",
        opens_at=None, closes_at=timezone.now() + timedelta(days=5), results_for="author",
        questions=[{"kind": "text", "text": "What do you eat?"}],
    )  # fmt: skip
    question = survey.questions.get()
    surveys.submit(member, survey.pk, {question.pk: "Porridge"})

    # An event: an RSVP, and in its live room a chat line, a question and a raised hand.
    start = timezone.now() + timedelta(minutes=5)
    event = events.create_event(
        dietitian, title="Live Q&A", kind="virtual", time_zone="America/Toronto",
        starts_at=start, ends_at=start + timedelta(hours=1),
    )  # fmt: skip
    events.rsvp(member, event.pk)
    rooms.joined(member, str(event.pk))
    rooms.chat(member, event.pk, "Hello room", f"r-{tag}")
    interaction.ask(member, event.pk, "Is oat milk fine?")
    interaction.raise_hand(member, event.pk, True)
    found.event = event.pk

    set_preference(member, "dm.message", in_app=True, email=False)
    return found
