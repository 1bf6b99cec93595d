"""Every stored copy of a member's words follows the original (realtime.copies): after an
edit no copy holds the replaced words, after a hide or delete none holds any. Each test
writes a unique word, takes the original away, and searches every store of copies: the
durable log (every topic), notifications, and what the HTTP API answers."""

from __future__ import annotations

import json
import typing
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pydantic import BaseModel

from accounts.roles import Role
from community.forum import moderation, profiles
from community.forum import services as forum
from community.messaging import sending
from community.messaging import services as dm
from community.models import Category
from events import interaction
from events import services as events
from events.models import Event as CalendarEvent
from notifications.models import Notification
from realtime.models import LogEntry
from realtime.registry import registry
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db

# Fields of an event schema that hold what a member wrote.
TEXT_NAMES = {"html", "body", "title"}


def copies_of(word: str) -> list[str]:
    """Where ``word`` is still stored: log events and notifications."""
    found = [
        f"{e.topic_id}#{e.seq} {e.type}"
        for e in LogEntry.objects.all()
        if word in json.dumps(e.data)
    ]
    found += [
        f"notification {n.pk}"
        for n in Notification.objects.all()
        if word in n.title or word in n.body
    ]
    return found


def text_paths(schema: type[BaseModel], prefix: str = "") -> set[str]:
    paths = set()
    for name, field in schema.model_fields.items():
        annotation = field.annotation
        for candidate in (annotation, *typing.get_args(annotation)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                paths |= text_paths(candidate, f"{prefix}{name}.")
        if name in TEXT_NAMES and annotation is str:
            paths.add(prefix + name)
    return paths


def test_every_event_that_carries_text_declares_it_and_its_source():
    missing = {}
    for event, schema in registry.events.items():
        undeclared = text_paths(schema) - set(registry.text_fields.get(event, ()))
        if undeclared:
            missing[event] = sorted(undeclared)
    assert missing == {}
    assert set(registry.text_fields) == set(registry.sources)


def old(make_user, role: str = Role.CUSTOMER, **fields: Any):
    return make_user(role, date_joined=timezone.now() - timedelta(days=400), **fields)


def test_an_edited_direct_message_leaves_no_copy_of_the_replaced_words(make_user, client):
    alice, bob = make_user(), make_user()
    conversation = dm.start_conversation(alice, [bob.pk])
    message = sending.send_direct_message(alice, conversation.pk, "my glucose was zebra-41", "c1")
    assert copies_of("zebra-41")  # the message event, bob's notice and its event

    dm.edit_message(alice, message.pk, "my glucose was fine")

    assert copies_of("zebra-41") == []
    note = Notification.objects.get(user=bob)
    assert note.title.startswith("New message from") and note.body == ""
    listed = api_json(client.get("/api/notifications", **bearer(bob)))
    assert "zebra-41" not in json.dumps(listed)
    created = LogEntry.objects.get(topic_id=conversation.topic, type="message.created")
    assert created.data["html"] == "<p>my glucose was fine</p>"


def test_a_deleted_direct_message_takes_its_notice_with_it(make_user, client):
    alice, bob = make_user(), make_user()
    conversation = dm.start_conversation(alice, [bob.pk])
    message = sending.send_direct_message(alice, conversation.pk, "dose quokka-17", "c1")
    note = Notification.objects.get(user=bob)

    dm.delete_message(alice, message.pk)

    assert copies_of("quokka-17") == []
    assert not Notification.objects.filter(pk=note.pk).exists()
    withdrawn = LogEntry.objects.get(topic_id=f"user:{bob.pk}", type="notification.withdrawn")
    assert withdrawn.data == {"ids": [note.pk], "unread_count": 0}
    assert api_json(client.get("/api/notifications", **bearer(bob)))["items"] == []


def test_an_edited_forum_post_leaves_no_copy_of_the_replaced_words(make_user):
    cat = Category.objects.create(name="Recipes", slug="recipes")
    author = old(make_user)
    thread, _ = forum.start_thread(author, cat.pk, "Soups", "Share")
    post = forum.reply(author, thread.pk, "add walrus-88 spice")

    forum.edit_post(author, post.pk, "add pepper")

    assert copies_of("walrus-88") == []


def test_a_hidden_topic_leaves_no_copy_of_its_title_or_its_posts(make_user):
    cat = Category.objects.create(name="Health", slug="health")
    author, mentioned, admin = old(make_user), old(make_user), make_user(Role.ADMIN)
    profiles.update_profile(mentioned, handle="pat_q", name_style=None)
    thread, _ = forum.start_thread(author, cat.pk, "About ibis-12", "@pat_q my meds")
    forum.reply(author, thread.pk, "@pat_q and heron-55 too")
    assert Notification.objects.filter(user=mentioned).count() == 2

    moderation.thread_action(admin, thread.pk, "hide", "private")

    assert copies_of("ibis-12") == []
    assert copies_of("heron-55") == []
    assert Notification.objects.filter(user=mentioned).count() == 0


def test_a_moved_topic_leaves_no_copy_of_its_title_in_the_category_it_left(make_user):
    regional = Category.objects.create(name="Toronto", slug="to", region="ca-on")
    other = Category.objects.create(name="Paris", slug="pa", region="fr")
    author, admin = old(make_user, region="ca-on"), make_user(Role.ADMIN)
    thread, _ = forum.start_thread(author, regional.pk, "Meet at kestrel-9", "Saturday")

    moderation.thread_action(admin, thread.pk, "move", "wrong place", category_id=other.pk)

    assert [c for c in copies_of("kestrel-9") if c.startswith(regional.topic)] == []
    removed = LogEntry.objects.filter(topic_id=regional.topic, type="thread.removed")
    assert removed.count() == 1
    assert [c for c in copies_of("kestrel-9") if c.startswith(other.topic)]


def test_a_hidden_room_question_leaves_no_copy(make_user, client):
    host = make_user(Role.DIETITIAN)
    start = timezone.now() + timedelta(minutes=30)
    event = events.create_event(
        host, title="Live class", kind=CalendarEvent.Kind.VIRTUAL, starts_at=start,
        ends_at=start + timedelta(hours=1), time_zone="UTC",
    )  # fmt: skip
    attendee = make_user()
    events.rsvp(attendee, event.pk)
    question = interaction.ask(attendee, event.pk, "is lynx-3 safe with my pills?")

    interaction.moderate_question(host, event.pk, question.pk, "hide")

    assert copies_of("lynx-3") == []
    listed = client.get(f"/api/events/{event.pk}/room/questions", **bearer(attendee))
    assert "lynx-3" not in listed.content.decode()
