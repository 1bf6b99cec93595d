from __future__ import annotations

import pytest

from notifications.models import Notification
from notifications.services import notify
from tests.conftest import api_json, bearer

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
