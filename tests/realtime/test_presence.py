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


def test_frames_go_straight_to_the_socket_and_queue_only_what_it_does_not_take():
    from realtime.wire import pending_bytes, write

    class FakeSocket:
        def __init__(self, takes: int) -> None:
            self.takes, self.sent = takes, b""

        def send(self, data: bytes) -> int:
            taken = data[: self.takes]
            self.sent += taken
            return len(taken)

    class FakeTransport:
        disconnecting = False

        def __init__(self, takes: int) -> None:
            self.socket = FakeSocket(takes)
            self.dataBuffer, self.offset, self._tempDataLen = b"", 0, 0
            self.queued: list[bytes] = []

        def write(self, data: bytes) -> None:
            self.queued.append(data)
            self._tempDataLen += len(data)

    roomy = FakeTransport(takes=1000)
    write(roomy, b"hello")
    assert roomy.socket.sent == b"hello" and roomy.queued == []
    tight = FakeTransport(takes=3)
    write(tight, b"hello")
    assert tight.socket.sent == b"hel" and tight.queued == [b"lo"]
    write(tight, b"world")  # something is queued: keep the order, queue behind it
    assert tight.queued == [b"lo", b"world"] and pending_bytes(tight) == 7
