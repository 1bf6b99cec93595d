"""What attendees do in a live room besides chatting: Q&A with upvotes (hosts answer or
hide; everyone sees how many were hidden), live polls, and raised hands."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from accounts.audit import record_access
from accounts.models import User
from accounts.names import public_names
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from events.models import Event, Poll, PollVote, Question, QuestionVote, RaisedHand
from events.rooms import _host_room, _restriction, is_host, room
from realtime import presence
from realtime.copies import source_key, withdraw
from realtime.publish import publish

MAX_QUESTION = 1000
MAX_OPTIONS = 10


def _invalid(message: str) -> ServiceError:
    return ServiceError(message, code="invalid_field")


def _open_room(user: User, event_id: int) -> Event:
    event = room(user, event_id)
    if event.room_ended_at is not None:
        raise Forbidden("this session has ended", code="ended")
    return event


# --- questions -----------------------------------------------------------------------------


def ask(user: User, event_id: int, body: str) -> Question:
    body = body.strip()
    if not body or len(body) > MAX_QUESTION or "\x00" in body:
        raise _invalid(f"a question is 1 to {MAX_QUESTION} characters")
    event = _open_room(user, event_id)
    restriction = _restriction(user, event)
    if restriction is not None and restriction.muted and not is_host(user, event):
        raise Forbidden("the host has muted you", code="muted")
    with transaction.atomic():
        question = Question.objects.create(event=event, author=user, body=body)
        publish(event.topic, "room.question", question_shape(question, user))
    return question


def upvote(user: User, question_id: int) -> Question:
    question = _question(user, question_id)
    if question.hidden_at is not None or question.answered_at is not None:
        raise Conflict("this question is closed", code="closed")
    if question.author_id == user.pk:
        raise Forbidden("you cannot upvote your own question")
    try:
        with transaction.atomic():
            QuestionVote.objects.create(question=question, user=user)
            Question.objects.filter(pk=question.pk).update(votes=F("votes") + 1)
            question.refresh_from_db(fields=["votes"])
            publish(
                question.event.topic,
                "room.question_votes",
                {"question": question.pk, "event": question.event_id, "votes": question.votes},
            )
    except IntegrityError:
        raise Conflict("you upvoted this question already", code="voted") from None
    return question


def moderate_question(user: User, event_id: int, question_id: int, action: str) -> Question:
    """Hosts mark a question answered, or hide it (attendees see how many are hidden)."""
    if action not in ("answer", "hide"):
        raise _invalid("action is answer or hide")
    question = _question(user, question_id)
    if question.event_id != event_id:
        raise NotFound("no such question")
    _host_room(user, question.event_id)
    with transaction.atomic():
        now = timezone.now()
        if action == "answer":
            question.answered_at = now
            question.save(update_fields=["answered_at"])
            publish(
                question.event.topic,
                "room.question_answered",
                {"question": question.pk, "event": question.event_id},
            )
        else:
            question.hidden_at = now
            question.save(update_fields=["hidden_at"])
            # Its words leave every copy: a replay shows attendees no hidden question.
            withdraw([source_key("question", question.pk)], gone=True)
            hidden = Question.objects.filter(
                event_id=question.event_id, hidden_at__isnull=False
            ).count()
            publish(
                question.event.topic,
                "room.question_hidden",
                {"question": question.pk, "event": question.event_id, "hidden": hidden},
            )
    return question


def _question(user: User, question_id: int) -> Question:
    question = Question.objects.select_related("event").filter(pk=question_id).first()
    if question is None:
        raise NotFound("no such question")
    room(user, question.event_id)
    return question


def present_names(rows: list[Any]) -> None:
    """Replay hook of ``event:{id}``: people in stored chat lines, questions and raised
    hands are named as they choose now, not as when the event was stored."""
    question_ids = {row.data["id"] for row in rows if row.type == "room.question"}
    askers = dict(Question.objects.filter(pk__in=question_ids).values_list("pk", "author_id"))
    people = set(askers.values())
    for row in rows:
        if row.type == "room.chat":
            people.add(row.data["author"]["id"])
        elif row.type == "room.hands":
            people.update(hand["user"] for hand in row.data["raised"])
    names = public_names(people)
    for row in rows:
        if row.type == "room.chat":
            author = row.data["author"]
            author["name"] = names.get(author["id"], author["name"])
        elif row.type == "room.hands":
            for hand in row.data["raised"]:
                hand["name"] = names.get(hand["user"], hand["name"])
        elif row.type == "room.question" and row.data["id"] in askers and row.data["body"]:
            asker = askers[row.data["id"]]
            row.data["author"] = names.get(asker, row.data["author"])


def question_shape(question: Question, author: User) -> dict[str, Any]:
    return {
        "id": question.pk,
        "event": question.event_id,
        "author": author.public_name(),
        "body": question.body,
        "votes": question.votes,
        "answered": question.answered_at is not None,
        "created_at": question.created_at,
    }


def questions(user: User, event_id: int) -> dict[str, Any]:
    event = room(user, event_id)
    shown = Question.objects.filter(event=event, hidden_at__isnull=True).select_related("author")
    return {
        "questions": [
            question_shape(q, q.author) for q in shown.order_by("answered_at", "-votes", "id")
        ],
        "hidden": Question.objects.filter(event=event, hidden_at__isnull=False).count(),
    }


# --- polls ------------------------------------------------------------------------------------


def open_poll(user: User, event_id: int, question: str, options: list[str]) -> Poll:
    event = _host_room(user, event_id)
    question = question.strip()
    options = [o.strip() for o in options]
    if not question or not 2 <= len(options) <= MAX_OPTIONS or not all(options):
        raise _invalid(f"a poll has a question and 2 to {MAX_OPTIONS} options")
    with transaction.atomic():
        poll = Poll.objects.create(event=event, question=question[:300], options=options)
        publish(event.topic, "room.poll", poll_shape(poll))
    return poll


def vote(user: User, poll_id: int, option: int) -> Poll:
    poll = Poll.objects.select_related("event").filter(pk=poll_id).first()
    if poll is None:
        raise NotFound("no such poll")
    room(user, poll.event_id)
    if poll.closed_at is not None:
        raise Conflict("this poll is closed", code="closed")
    if not 0 <= option < len(poll.options):
        raise _invalid(f"option is 0 to {len(poll.options) - 1}")
    try:
        with transaction.atomic():
            Poll.objects.select_for_update().filter(pk=poll.pk).first()  # counts in turn
            PollVote.objects.create(poll=poll, user=user, option=option)
            publish(poll.event.topic, "room.poll", poll_shape(poll))
    except IntegrityError:
        raise Conflict("you voted in this poll already", code="voted") from None
    return poll


def close_poll(user: User, event_id: int, poll_id: int) -> Poll:
    poll = Poll.objects.select_related("event").filter(pk=poll_id, event_id=event_id).first()
    if poll is None:
        raise NotFound("no such poll")
    _host_room(user, poll.event_id)
    with transaction.atomic():
        poll.closed_at = timezone.now()
        poll.save(update_fields=["closed_at"])
        publish(poll.event.topic, "room.poll", poll_shape(poll))
    return poll


def my_room_state(user: User, event: Event) -> dict[str, Any]:
    """What a member entering (or reloading) the room needs besides the chat and the
    questions: the latest poll and their vote in it, and whether their hand is up."""
    poll = Poll.objects.filter(event=event).order_by("-id").first()
    my_vote = None
    if poll is not None:
        my_vote = (
            PollVote.objects.filter(poll=poll, user=user).values_list("option", flat=True).first()
        )
    return {
        "poll": poll_shape(poll) if poll is not None else None,
        "my_vote": my_vote,
        "hand_raised": RaisedHand.objects.filter(event=event, user=user).exists(),
    }


def poll_shape(poll: Poll) -> dict[str, Any]:
    counts = dict(PollVote.objects.filter(poll=poll).values_list("option").annotate(n=Count("id")))
    return {
        "id": poll.pk,
        "event": poll.event_id,
        "question": poll.question,
        "options": poll.options,
        "counts": [counts.get(i, 0) for i in range(len(poll.options))],
        "closed": poll.closed_at is not None,
    }


# --- raised hands -----------------------------------------------------------------------------


def raise_hand(user: User, event_id: int, up: bool) -> None:
    event = _open_room(user, event_id)
    with transaction.atomic():
        if up:
            _, made = RaisedHand.objects.get_or_create(event=event, user=user)
        else:
            made = bool(RaisedHand.objects.filter(event=event, user=user).delete()[0])
        if made:
            _publish_hands(event)


def lower_hand(host: User, event_id: int, attendee_id: int) -> None:
    event = _host_room(host, event_id)
    with transaction.atomic():
        if RaisedHand.objects.filter(event=event, user_id=attendee_id).delete()[0]:
            _publish_hands(event)


def present(user: User, event_id: int) -> dict[str, Any]:
    """How many are in the room; for hosts also who (each read is in the access log)."""
    event = room(user, event_id)
    online = presence.online(event.topic)
    if not is_host(user, event):
        return {"count": len(online), "attendees": [], "hands": []}
    people = list(User.objects.filter(pk__in=online).order_by("display_name", "id"))
    record_access(user, people, "view_room_presence", f"event:{event.pk}", "http")
    return {
        "count": len(online),
        "attendees": [
            {"user": p.pk, "name": p.public_name(), "host": is_host(p, event)} for p in people
        ],
        "hands": hands(event),
    }


def hands(event: Event) -> list[dict[str, Any]]:
    raised = RaisedHand.objects.filter(event=event).select_related("user").order_by("raised_at")
    return [{"user": h.user_id, "name": h.user.public_name()} for h in raised]


def _publish_hands(event: Event) -> None:
    publish(event.topic, "room.hands", {"event": event.pk, "raised": hands(event)})
