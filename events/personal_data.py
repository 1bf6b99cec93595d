"""What events keep about a member.

In the download: their RSVPs and class enrolments, their stays in live rooms, the
questions they asked and the chat lines they wrote there, and the events and classes
they organised.

On erasure: RSVPs (a place at an event to come goes to the next in line), enrolments,
reminders sent, stays, room restrictions and raised hands go. Their chat lines and
questions stay for the others, by "a deleted member" (the stored ``room.chat``,
``room.question`` and ``room.hands`` events that named them name the erased member);
their votes on questions and polls stay as counts (ids only); events and classes they
organised stay for those signed up, by "a deleted member"."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accounts.models import User
from accounts.personal_data import Part, Table, register
from events.models import (
    Attendance,
    ChatMessage,
    ClassSeries,
    Enrollment,
    Event,
    Question,
    RaisedHand,
    ReminderSent,
    RoomRestriction,
    Rsvp,
)
from events.services import drop_rsvps
from realtime.copies import rewrite


def export_events(user: User) -> list[Part]:
    return [
        Table(
            "event-rsvps",
            [
                {
                    "event": r.event_id,
                    "title": r.event.title,
                    "starts_at": r.event.starts_at,
                    "status": r.status,
                    "since": r.joined_at,
                }
                for r in Rsvp.objects.filter(user=user).select_related("event").order_by("id")
            ],
            columns=("event", "title", "starts_at", "status", "since"),
        ),
        Table(
            "class-enrolments",
            [
                {"class": e.series_id, "title": e.series.title, "since": e.created_at}
                for e in Enrollment.objects.filter(user=user)
                .select_related("series")
                .order_by("id")
            ],
            columns=("class", "title", "since"),
        ),
        Table(
            "live-room-stays",
            [
                {"event": a.event_id, "joined_at": a.joined_at, "left_at": a.left_at}
                for a in Attendance.objects.filter(user=user).order_by("id")
            ],
            columns=("event", "joined_at", "left_at"),
        ),
        Table(
            "live-room-questions",
            [
                {
                    "event": q.event_id,
                    "body": q.body,
                    "votes": q.votes,
                    "asked_at": q.created_at,
                    "answered_at": q.answered_at,
                }
                for q in Question.objects.filter(author=user).order_by("id")
            ],
            columns=("event", "body", "votes", "asked_at", "answered_at"),
        ),
        Table(
            "live-room-chat",
            [
                {"event": c.event_id, "body": c.body, "at": c.created_at}
                for c in ChatMessage.objects.filter(author=user).order_by("id")
            ],
            columns=("event", "body", "at"),
        ),
        Table(
            "events-organised",
            [
                {
                    "event": e.pk,
                    "title": e.title,
                    "starts_at": e.starts_at,
                    "cancelled_at": e.cancelled_at,
                }
                for e in Event.objects.filter(organiser=user).order_by("id")
            ],
            columns=("event", "title", "starts_at", "cancelled_at"),
        ),
        Table(
            "classes-organised",
            [
                {"class": c.pk, "title": c.title, "created_at": c.created_at}
                for c in ClassSeries.objects.filter(organiser=user).order_by("id")
            ],
            columns=("class", "title", "created_at"),
        ),
    ]


def erase_events(user: User) -> None:
    rooms = sorted(set(Attendance.objects.filter(user=user).values_list("event_id", flat=True)))
    drop_rsvps(user)
    Enrollment.objects.filter(user=user).delete()
    ReminderSent.objects.filter(user=user).delete()
    Attendance.objects.filter(user=user).delete()
    RoomRestriction.objects.filter(user=user).delete()
    RaisedHand.objects.filter(user=user).delete()
    _name_them_erased_in_events(user, rooms)


def _name_them_erased_in_events(user: User, rooms: list[int]) -> None:
    name = user.public_name()  # the erased name
    questions = set(Question.objects.filter(author=user).values_list("pk", flat=True))

    def name_them(event: str, data: dict[str, Any]) -> dict[str, Any]:
        if event == "room.chat" and data["author"]["id"] == user.pk:
            data["author"]["name"] = name
        elif event == "room.question" and data["id"] in questions and data["author"]:
            data["author"] = name
        elif event == "room.hands":
            for hand in data["raised"]:
                if hand["user"] == user.pk:
                    hand["name"] = name
        return data

    rewrite(
        Q(type="room.chat", data__author__id=user.pk)
        | Q(type="room.question", data__id__in=sorted(questions))
        | Q(type="room.hands", topic_id__in=[f"event:{pk}" for pk in rooms]),
        name_them,
    )


register(
    "events",
    models=(
        "events.ClassSeries",
        "events.Enrollment",
        "events.Event",
        "events.Rsvp",
        "events.ReminderSent",
        "events.Attendance",
        "events.RoomRestriction",
        "events.ChatMessage",
        "events.Question",
        "events.QuestionVote",
        "events.PollVote",
        "events.RaisedHand",
    ),
    export=export_events,
    erase=erase_events,
    keeps="their chat lines and questions (for the others), their votes (counts), and the "
    "events and classes they organised",
)
