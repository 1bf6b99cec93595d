from __future__ import annotations

import pytest

from events.notices import compose_mail
from notifications.kinds import KINDS
from notifications.models import Notification
from notifications.services import notify
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def test_list_count_and_mark_read(client, make_user):
    user = make_user()
    for i in range(3):
        notify(user, "dm.message", f"note {i}")
    auth = bearer(user)
    assert api_json(client.get("/api/notifications/unread-count", **auth)) == {"unread_count": 3}
    listed = api_json(client.get("/api/notifications", **auth))
    assert [n["title"] for n in listed["items"]] == ["note 2", "note 1", "note 0"]
    first = listed["items"][0]["id"]
    marked = client.post(
        "/api/notifications/read", {"ids": [first]}, content_type="application/json", **auth
    )
    assert api_json(marked) == {"unread_count": 2}
    unread = api_json(client.get("/api/notifications?unread=true", **auth))
    assert first not in [n["id"] for n in unread["items"]]
    marked = client.post(
        "/api/notifications/read", {"all": True}, content_type="application/json", **auth
    )
    assert api_json(marked) == {"unread_count": 0}


def test_one_cannot_mark_someone_elses_notifications(client, make_user):
    owner, other = make_user(), make_user()
    note = notify(owner, "dm.message", "mine")
    assert note is not None
    client.post(
        "/api/notifications/read",
        {"ids": [note.pk]},
        content_type="application/json",
        **bearer(other),
    )
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_mark_read_needs_ids_or_all(client, make_user):
    auth = bearer(make_user())
    for body in ({}, {"ids": [1], "all": True}):
        response = client.post(
            "/api/notifications/read", body, content_type="application/json", **auth
        )
        assert response.status_code == 400


def test_turning_a_kind_off_in_app_stops_it(client, make_user):
    user = make_user()
    auth = bearer(user)
    prefs = api_json(client.get("/api/notifications/preferences", **auth))
    assert {
        "kind": "dm.message",
        "label": "New direct message",
        "in_app": True,
        "email": True,
        "mailed": True,
    } in prefs
    response = client.put(
        "/api/notifications/preferences/dm.message",
        {"in_app": False, "email": False},
        content_type="application/json",
        **auth,
    )
    assert api_json(response)["in_app"] is False
    assert notify(user, "dm.message", "hidden") is None
    assert api_json(client.get("/api/notifications/unread-count", **auth)) == {"unread_count": 0}
    unknown = client.put(
        "/api/notifications/preferences/nope",
        {"in_app": True, "email": True},
        content_type="application/json",
        **auth,
    )
    assert unknown.status_code == 400


def test_kinds_that_are_never_mailed_are_never_on_by_email(client, make_user):
    """Forum notices and organiser messages are not sent by email: the preferences say so
    (off, not mailed) and cannot be turned on; the kinds that are mailed default to on."""
    auth = bearer(make_user())
    prefs = {p["kind"]: p for p in api_json(client.get("/api/notifications/preferences", **auth))}
    never = ["forum.mention", "forum.reply", "forum.post", "forum.thread", "forum.moderation"]
    for kind in [*never, "event.message"]:
        assert (prefs[kind]["email"], prefs[kind]["mailed"]) == (False, False), kind
        turned_on = client.put(
            f"/api/notifications/preferences/{kind}",
            {"in_app": True, "email": True},
            content_type="application/json",
            **auth,
        )
        assert turned_on.status_code == 400 and api_json(turned_on)["code"] == "invalid_field"
    mailed = ["dm.message", "event.reminder", "event.changed", "event.cancelled", "event.promoted"]
    for kind in mailed:
        assert (prefs[kind]["email"], prefs[kind]["mailed"]) == (True, True), kind
    off = client.put(
        "/api/notifications/preferences/forum.reply",
        {"in_app": False, "email": False},
        content_type="application/json",
        **auth,
    )
    assert api_json(off) == {
        "kind": "forum.reply",
        "label": "Someone replied to your post",
        "in_app": False,
        "email": False,
        "mailed": False,
    }


def test_every_app_s_kinds_are_offered_in_the_preferences(client, make_user):
    """Each app registers its own kinds; once the server is up, a member's preferences
    offer every one, and the event kinds are mailed by the events app's composer."""
    listed = api_json(client.get("/api/notifications/preferences", **bearer(make_user())))
    offered = {p["kind"] for p in listed}
    assert {"dm.message", "forum.reply", "forum.moderation", "event.reminder"} <= offered
    assert KINDS["event.reminder"].compose is compose_mail
    assert KINDS["dm.message"].compose is None  # mailed by its own task
