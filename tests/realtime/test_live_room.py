"""A live room on event:{id}: only hosts and people with a place enter; the chat follows
the host's rules; a muted attendee cannot write, a removed one is dropped and cannot come
back; arrivals are counted, not announced one by one; attendance is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from events import rooms
from events import services as events
from events.models import Attendance, Event
from tests.helpers import api_json, bearer, new_user
from tests.realtime.helpers import next_of_type, rename, signed_in, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def a_room(places: int = 2):
    host = new_user(Role.DIETITIAN, time_zone="America/Toronto")
    start = timezone.now() + timedelta(minutes=30)
    event = events.create_event(
        host, title="Live class", kind=Event.Kind.VIRTUAL, starts_at=start,
        ends_at=start + timedelta(hours=1), time_zone="America/Toronto",
    )  # fmt: skip
    attendees = [new_user(Role.CUSTOMER) for _ in range(places)]
    for person in attendees:
        events.rsvp(person, event.pk)
    return event, host, attendees


async def chat(comm, event: Event, body: str, client_id: str) -> None:
    await comm.send_json_to({"type": "room.chat", "id": client_id, "event": event.pk, "body": body})


async def test_only_people_with_a_place_enter_and_chat_reaches_everyone_in_the_room():
    event, host, (ann, ben) = await a_room()
    outsider = await database_sync_to_async(new_user)(Role.CUSTOMER)
    h, a, b, o = [await signed_in(u) for u in (host, ann, ben, outsider)]
    for comm in (h, a, b):
        await subscribe(comm, event.topic)

    await o.send_json_to({"type": "subscribe", "topic": event.topic})
    assert (await next_of_type(o, "error"))["code"] == "forbidden"
    history = await database_sync_to_async(
        lambda: Client().get(f"/api/events/{event.pk}/room/chat", **bearer(outsider))
    )()
    assert history.status_code == 404

    await chat(a, event, "Hello **class**", "c1")
    ack = await next_of_type(a, "ack")
    for comm in (h, b):
        frame = await next_of_type(comm, "event", "room.chat")
        assert frame["data"]["html"] == "<p>Hello <strong>class</strong></p>"
        assert frame["seq"] == ack["seq"]
    seen = await database_sync_to_async(
        lambda: api_json(Client().get(f"/api/events/{event.pk}/room/chat", **bearer(ben)))
    )()
    assert [m["client_id"] for m in seen] == ["c1"]

    # The host closes the chat to attendees; hosts may still write.
    await database_sync_to_async(rooms.set_chat)(host, event.pk, "hosts", None)
    await chat(a, event, "still here?", "c2")
    assert (await next_of_type(a, "error"))["code"] == "chat_closed"
    await chat(h, event, "Questions at the end, please", "h1")
    assert (await next_of_type(b, "event", "room.chat"))["data"]["author"]["host"] is True


async def test_a_muted_attendee_cannot_write_and_a_removed_one_is_dropped_for_good():
    event, host, (ann, ben) = await a_room()
    a, b = await signed_in(ann), await signed_in(ben)
    await subscribe(a, event.topic)
    await subscribe(b, event.topic)

    await database_sync_to_async(rooms.restrict)(host, event.pk, ann.pk, muted=True, removed=False)
    await chat(a, event, "hi", "m1")
    assert (await next_of_type(a, "error"))["code"] == "muted"

    await database_sync_to_async(rooms.restrict)(host, event.pk, ben.pk, muted=None, removed=True)
    dropped = await next_of_type(b, "error")
    assert dropped["code"] == "forbidden" and dropped["topic"] == event.topic
    await b.send_json_to({"type": "subscribe", "topic": event.topic})
    assert (await next_of_type(b, "error"))["code"] == "forbidden"
    await chat(b, event, "let me back", "r1")
    assert (await next_of_type(b, "error"))["code"] == "not_found"


async def test_arrivals_are_counted_once_a_second_and_attendance_is_recorded(settings):
    settings.PRESENCE_COUNT_SECONDS = 0.3
    event, host, people = await a_room(places=4)
    h = await signed_in(host)
    await subscribe(h, event.topic)
    comms = [await signed_in(p) for p in people]
    for comm in comms:
        await subscribe(comm, event.topic)

    counts = []
    while not counts or counts[-1] < 5:
        frame = await next_of_type(h, "event", "presence.count")
        counts.append(frame["data"]["count"])
    assert len(counts) <= 2  # five arrivals, one or two counts: not one line each
    assert await h.receive_nothing(timeout=0.5)

    await comms[0].disconnect()
    assert (await next_of_type(h, "event", "presence.count"))["data"]["count"] == 4
    stays = await database_sync_to_async(
        lambda: list(Attendance.objects.filter(event=event).values_list("user_id", "left_at"))
    )()
    assert len(stays) == 5
    left = [user for user, left_at in stays if left_at is not None]
    assert left == [people[0].pk]


async def test_after_the_host_ends_the_session_nobody_writes():
    event, host, (ann, _) = await a_room()
    a = await signed_in(ann)
    await subscribe(a, event.topic)
    await database_sync_to_async(rooms.end)(host, event.pk)
    ended = await next_of_type(a, "event", "room.settings")
    assert ended["data"]["ended"] is True
    await chat(a, event, "bye", "e1")
    assert (await next_of_type(a, "error"))["code"] == "ended"


async def test_questions_polls_and_hands_update_live_for_the_room():
    from events import interaction

    event, host, (ann, ben) = await a_room()
    h, a, b = [await signed_in(u) for u in (host, ann, ben)]
    for comm in (h, a, b):
        await subscribe(comm, event.topic)

    await a.send_json_to(
        {"type": "room.ask", "id": "q1", "event": event.pk, "body": "Is oat milk ok?"}
    )
    question = (await next_of_type(b, "event", "room.question"))["data"]
    await b.send_json_to({"type": "room.upvote", "id": "u1", "question": question["id"]})
    assert (await next_of_type(h, "event", "room.question_votes"))["data"]["votes"] == 1
    await b.send_json_to({"type": "room.upvote", "id": "u2", "question": question["id"]})
    assert (await next_of_type(b, "error"))["code"] == "voted"

    await a.send_json_to({"type": "room.ask", "id": "q2", "event": event.pk, "body": "spam spam"})
    spam = (await next_of_type(h, "event", "room.question"))["data"]
    await database_sync_to_async(interaction.moderate_question)(host, event.pk, spam["id"], "hide")
    hidden = await next_of_type(b, "event", "room.question_hidden")
    assert hidden["data"]["hidden"] == 1
    listed = await database_sync_to_async(interaction.questions)(ben, event.pk)
    assert [q["body"] for q in listed["questions"]] == ["Is oat milk ok?"] and listed["hidden"] == 1
    with pytest.raises(Exception) as refused:
        await database_sync_to_async(interaction.moderate_question)(
            ann, event.pk, question["id"], "hide"
        )
    assert getattr(refused.value, "code", "") == "forbidden"

    poll = await database_sync_to_async(interaction.open_poll)(
        host, event.pk, "Ready?", ["Yes", "No"]
    )
    await a.send_json_to({"type": "room.vote", "id": "v1", "poll": poll.pk, "option": 0})
    await b.send_json_to({"type": "room.vote", "id": "v2", "poll": poll.pk, "option": 0})
    counts = None
    while counts != [2, 0]:
        counts = (await next_of_type(h, "event", "room.poll"))["data"]["counts"]

    await b.send_json_to({"type": "room.hand", "event": event.pk, "up": True})
    raised = await next_of_type(h, "event", "room.hands")
    assert [r["user"] for r in raised["data"]["raised"]] == [ben.pk]
    await database_sync_to_async(interaction.lower_hand)(host, event.pk, ben.pk)
    seen = [(await next_of_type(b, "event", "room.hands"))["data"]["raised"] for _ in range(2)]
    assert seen == [[{"user": ben.pk, "name": ben.public_name()}], []]  # raised, then lowered

    present = await database_sync_to_async(
        lambda: api_json(Client().get(f"/api/events/{event.pk}/room/present", **bearer(host)))
    )()
    assert present["count"] == 3 and {p["user"] for p in present["attendees"]} == {
        host.pk,
        ann.pk,
        ben.pk,
    }
    as_attendee = await database_sync_to_async(
        lambda: api_json(Client().get(f"/api/events/{event.pk}/room/present", **bearer(ann)))
    )()
    assert as_attendee == {"count": 3, "attendees": [], "hands": []}


async def test_room_chat_over_the_socket_takes_no_worker_thread(monkeypatch):
    from realtime import aio

    assert aio.db_available()
    event, _, (ann, ben) = await a_room()
    a, b = await signed_in(ann), await signed_in(ben)
    await subscribe(a, event.topic)
    await subscribe(b, event.topic)

    def no_thread(func):
        raise AssertionError("a worker thread was used")

    monkeypatch.setattr(rooms, "in_db_thread", no_thread)
    monkeypatch.setattr(rooms, "in_thread", no_thread)
    await chat(a, event, "first in the room", "t1")
    frame = await next_of_type(b, "event", "room.chat")
    assert frame["data"]["html"] == "<p>first in the room</p>" and frame["seq"] >= 1
    ack = await next_of_type(a, "ack")
    monkeypatch.undo()  # a retry looks the first message up in a worker thread
    await chat(a, event, "first in the room", "t1")
    again = await next_of_type(a, "ack")
    assert (again["message"], again["seq"]) == (ack["message"], ack["seq"])


async def test_giving_up_a_place_leaves_the_room():
    event, host, (ann, _) = await a_room()
    a = await signed_in(ann)
    await subscribe(a, event.topic)
    await database_sync_to_async(events.cancel_rsvp)(ann, event.pk)
    dropped = await next_of_type(a, "error")
    assert dropped["code"] == "forbidden" and dropped["topic"] == event.topic
    await database_sync_to_async(rooms.chat)(host, event.pk, "still here, everyone?", "h9")
    assert await a.receive_nothing(timeout=0.3)


async def test_a_replay_names_people_as_they_choose_now():
    event, _, (ann, ben) = await a_room()
    a = await signed_in(ann)
    await subscribe(a, event.topic)
    await chat(a, event, "Hello", "c1")
    await next_of_type(a, "ack")
    await a.send_json_to({"type": "room.ask", "id": "q1", "event": event.pk, "body": "Why?"})
    await next_of_type(a, "ack")
    await rename(ann, "A. Nonymous")
    b = await signed_in(ben)
    replayed, _ = await subscribe(b, event.topic, since=0)
    chats = [f["data"]["author"]["name"] for f in replayed if f["event"] == "room.chat"]
    asked = [f["data"]["author"] for f in replayed if f["event"] == "room.question"]
    assert chats == ["A. Nonymous"] and asked == ["A. Nonymous"]


@pytest.mark.parametrize("on_the_loop", [True, False], ids=["async", "worker-thread"])
async def test_a_client_id_used_in_one_room_is_refused_in_another(settings, on_the_loop):
    """A chat id is the author's across rooms: reusing it in another room is refused (as
    for direct messages), never acked with the first room's message while nothing is
    stored in the second. The same rule with or without the event loop's database."""
    if not on_the_loop:
        settings.REALTIME_ASYNC_DB_POOL = 0
    first, _, (ann, _) = await a_room()
    second, _, _ = await a_room(places=0)
    await database_sync_to_async(events.rsvp)(ann, second.pk)
    a = await signed_in(ann)
    await subscribe(a, first.topic)
    await subscribe(a, second.topic)

    await chat(a, first, "in the first room", "m1")
    ack = await next_of_type(a, "ack")
    assert ack["event"] == first.pk
    await chat(a, second, "in the second room", "m1")
    refused = await next_of_type(a, "error")
    assert (refused["code"], refused["id"]) == ("client_id_reused", "m1")
    stored = await database_sync_to_async(
        lambda: list(rooms.ChatMessage.objects.filter(event=second).values_list("body"))
    )()
    assert stored == []

    # A retry in the first room is still acked with the message stored there, and the
    # second room takes the line under a fresh id.
    await chat(a, first, "in the first room", "m1")
    again = await next_of_type(a, "ack")
    assert (again["message"], again["event"], again["seq"]) == (
        ack["message"], first.pk, ack["seq"],
    )  # fmt: skip
    await chat(a, second, "in the second room", "m2")
    assert (await next_of_type(a, "ack"))["event"] == second.pk
    seen = await database_sync_to_async(
        lambda: api_json(Client().get(f"/api/events/{second.pk}/room/chat", **bearer(ann)))
    )()
    assert [(m["client_id"], m["html"]) for m in seen] == [("m2", "<p>in the second room</p>")]
