"""Events over HTTP."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from accounts.permissions import acting_user, signed_in_user
from core.errors import NotFound
from events import classes, interaction, listings, rooms, services
from events.schemas import (
    AttendanceRow,
    Attendee,
    CancelIn,
    ChatOut,
    EventChangeIn,
    EventIn,
    EventOut,
    ListQuery,
    MessageIn,
    PollIn,
    PollOut,
    PresentOut,
    QuestionsOut,
    RoomIn,
    RoomOut,
    RoomView,
    RsvpOut,
    SeriesIn,
    SeriesOut,
)

router = Router(tags=["events"])


@router.get("/events", response=list[EventOut])
def list_events(request: HttpRequest, query: Query[ListQuery]) -> list[dict[str, Any]]:
    """Upcoming events: in person in my region, and virtual ones; times also in my zone."""
    user = signed_in_user(request)
    found = listings.upcoming(user, **query.model_dump())[:200]
    return [listings.shape(user, e) for e in found]


@router.post("/events", response={201: EventOut})
def create_event(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    """Dietitians, medical providers and staff."""
    user = acting_user(request)
    fields = {k: v for k, v in payload.model_dump().items() if v is not None or k == "capacity"}
    return Status(201, listings.shape(user, services.create_event(user, **fields)))


@router.get("/events/{event_id}", response=EventOut)
def get_event(request: HttpRequest, event_id: int) -> dict[str, Any]:
    """For those it is meant for: a regional event or class session for its region."""
    user = signed_in_user(request)
    return listings.shape(user, services.visible_event(user, event_id))


@router.patch("/events/{event_id}", response=EventOut)
def update_event(request: HttpRequest, event_id: int, payload: EventChangeIn) -> dict[str, Any]:
    """The organiser; everyone signed up is told."""
    user = acting_user(request)
    changes = payload.model_dump(exclude_unset=True)
    return listings.shape(user, services.update_event(user, event_id, **changes))


@router.post("/events/{event_id}/cancel", response=EventOut)
def cancel_event(request: HttpRequest, event_id: int, payload: CancelIn) -> dict[str, Any]:
    user = acting_user(request)
    return listings.shape(user, services.cancel_event(user, event_id, payload.reason))


@router.put("/events/{event_id}/rsvp", response=RsvpOut)
def rsvp(request: HttpRequest, event_id: int) -> dict[str, Any]:
    """A place, or a place on the waitlist when the event is full."""
    made = services.rsvp(acting_user(request), event_id)
    return {"event": event_id, "status": made.status}


@router.delete("/events/{event_id}/rsvp", response=RsvpOut)
def cancel_rsvp(request: HttpRequest, event_id: int) -> dict[str, Any]:
    """Give up my place; the next on the waitlist gets it and is told."""
    made = services.cancel_rsvp(acting_user(request), event_id)
    return {"event": event_id, "status": made.status}


@router.get("/events/{event_id}/attendees", response=list[Attendee])
def attendees(request: HttpRequest, event_id: int) -> list[dict[str, Any]]:
    return services.attendees(signed_in_user(request), event_id)


@router.post("/events/{event_id}/message", response=dict[str, int])
def message(request: HttpRequest, event_id: int, payload: MessageIn) -> dict[str, int]:
    """The organiser's message to everyone going (an in-app notification each)."""
    return {"sent": services.message_attendees(acting_user(request), event_id, payload.body)}


@router.get("/events/{event_id}/event.ics", response={200: None})
def calendar(request: HttpRequest, event_id: int) -> HttpResponse:
    body = listings.ics(services.visible_event(signed_in_user(request), event_id))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event_id}.ics"'
    return response


# --- classes ---------------------------------------------------------------------------


@router.get("/classes", response=list[SeriesOut])
def list_classes(request: HttpRequest) -> list[dict[str, Any]]:
    """Wellness education for everyone, and the classes of my region."""
    user = signed_in_user(request)
    return [classes.shape(user, s) for s in classes.visible_series(user)[:100]]


@router.post("/classes", response={201: SeriesOut})
def create_class(request: HttpRequest, payload: SeriesIn) -> Status[dict[str, Any]]:
    """A series of sessions, each at the same local time as the first."""
    user = acting_user(request)
    series = classes.create_series(user, **payload.model_dump())
    return Status(201, classes.shape(user, series))


@router.get("/classes/{series_id}", response=SeriesOut)
def get_class(request: HttpRequest, series_id: int) -> dict[str, Any]:
    user = signed_in_user(request)
    return classes.shape(user, classes.visible_class(user, series_id))


@router.put("/classes/{series_id}/enrollment", response={204: None})
def enroll(request: HttpRequest, series_id: int) -> Status[None]:
    """A place in every session of the class."""
    classes.enroll(acting_user(request), series_id)
    return Status(204, None)


@router.delete("/classes/{series_id}/enrollment", response={204: None})
def unenroll(request: HttpRequest, series_id: int) -> Status[None]:
    classes.unenroll(acting_user(request), series_id)
    return Status(204, None)


@router.get("/events/{event_id}/attendance", response=list[AttendanceRow])
def attendance(request: HttpRequest, event_id: int) -> list[dict[str, Any]]:
    """Who came to the live room, and for how long (the organiser)."""
    return classes.attendance_report(signed_in_user(request), event_id)


# --- live rooms ------------------------------------------------------------------------


@router.get("/events/{event_id}/room/chat", response=list[ChatOut])
def room_chat(request: HttpRequest, event_id: int) -> list[dict[str, Any]]:
    """The room's latest chat (hosts and people with a place); live on ``event:{id}``."""
    return rooms.history(signed_in_user(request), event_id)


@router.get("/events/{event_id}/room", response=RoomView)
def room_settings(request: HttpRequest, event_id: int) -> dict[str, Any]:
    """The room as I enter it: its settings, whether I am one of its hosts, the latest poll
    with my vote, and whether my hand is up (a reload loses neither)."""
    user = signed_in_user(request)
    event = rooms.room(user, event_id)
    return {
        **rooms.settings_shape(event),
        "title": event.title,
        "host": rooms.is_host(user, event),
        **interaction.my_room_state(user, event),
    }


@router.patch("/events/{event_id}/room", response=RoomOut)
def change_room(request: HttpRequest, event_id: int, payload: RoomIn) -> dict[str, Any]:
    """Hosts: who may write in the chat, and slow mode."""
    event = rooms.set_chat(
        signed_in_user(request), event_id, payload.chat_mode, payload.chat_slow_seconds
    )
    return rooms.settings_shape(event)


@router.post("/events/{event_id}/room/attendees/{user_id}/{action}", response={204: None})
def restrict(request: HttpRequest, event_id: int, user_id: int, action: str) -> Status[None]:
    """Hosts: ``mute``, ``unmute`` or ``remove`` (out of the room, for good)."""
    if action not in ("mute", "unmute", "remove"):
        raise NotFound("no such action")
    rooms.restrict(
        signed_in_user(request),
        event_id,
        user_id,
        muted={"mute": True, "unmute": False}.get(action),
        removed=action == "remove",
    )
    return Status(204, None)


@router.post("/events/{event_id}/room/end", response=RoomOut)
def end_room(request: HttpRequest, event_id: int) -> dict[str, Any]:
    return rooms.settings_shape(rooms.end(signed_in_user(request), event_id))


@router.get("/events/{event_id}/room/questions", response=QuestionsOut)
def room_questions(request: HttpRequest, event_id: int) -> dict[str, Any]:
    """Open questions first, most upvoted first; how many the hosts hid."""
    return interaction.questions(signed_in_user(request), event_id)


@router.post("/events/{event_id}/room/questions/{question_id}/{action}", response={204: None})
def moderate_question(
    request: HttpRequest, event_id: int, question_id: int, action: str
) -> Status[None]:
    """Hosts: ``answer`` or ``hide``."""
    interaction.moderate_question(signed_in_user(request), event_id, question_id, action[:8])
    return Status(204, None)


@router.post("/events/{event_id}/room/polls", response={201: PollOut})
def open_poll(request: HttpRequest, event_id: int, payload: PollIn) -> Status[dict[str, Any]]:
    """Hosts launch a poll; results update live as people vote (``room.vote``)."""
    poll = interaction.open_poll(
        signed_in_user(request), event_id, payload.question, payload.options
    )
    return Status(201, interaction.poll_shape(poll))


@router.post("/events/{event_id}/room/polls/{poll_id}/close", response=PollOut)
def close_poll(request: HttpRequest, event_id: int, poll_id: int) -> dict[str, Any]:
    return interaction.poll_shape(
        interaction.close_poll(signed_in_user(request), event_id, poll_id)
    )


@router.delete("/events/{event_id}/room/hands/{user_id}", response={204: None})
def lower_hand(request: HttpRequest, event_id: int, user_id: int) -> Status[None]:
    """Hosts lower an attendee's raised hand."""
    interaction.lower_hand(signed_in_user(request), event_id, user_id)
    return Status(204, None)


@router.get("/events/{event_id}/room/present", response=PresentOut)
def present(request: HttpRequest, event_id: int) -> dict[str, Any]:
    """How many are in the room; for hosts also who, and whose hand is up."""
    return interaction.present(signed_in_user(request), event_id)
