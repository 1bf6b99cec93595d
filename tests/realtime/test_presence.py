from __future__ import annotations

import pytest

from realtime import presence

pytestmark = pytest.mark.django_db


def test_a_user_on_two_processes_stays_online_until_both_leave(monkeypatch):
    topic = "dm:777001"
    store = presence.store()
    store.refresh([(topic, 5)])
    monkeypatch.setattr(presence, "PROCESS", "another-process")
    store.refresh([(topic, 5)])
    monkeypatch.undo()
    store.leave(topic, 5)
    assert presence.online(topic) == {5}
    monkeypatch.setattr(presence, "PROCESS", "another-process")
    store.leave(topic, 5)
    assert presence.online(topic) == set()


def test_entries_expire_when_their_process_stops_refreshing(settings):
    settings.PRESENCE_TTL_SECONDS = -1  # already expired when written
    presence.store().refresh([("dm:777002", 6)])
    assert presence.online("dm:777002") == set()
