"""Pages of events, classes and live rooms. They render the shell and what the page needs
to name itself (a title, who may manage); the data comes from the events API and the
socket. An event or a class outside the member's audience is a 404, as in the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import User
from core.errors import NotFound
from events import classes, rooms, services
from events.models import ClassSeries, Event


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required let only members in
    return user


def _event(user: User, event_id: int) -> Event:
    try:
        return services.visible_event(user, event_id)
    except NotFound:
        raise Http404("no such event") from None


def _series(user: User, series_id: int) -> ClassSeries:
    try:
        return classes.visible_class(user, series_id)
    except NotFound:
        raise Http404("no such class") from None


def _check_organiser(user: User) -> None:
    if not services.can_organise(user):
        raise PermissionDenied("dietitians, medical providers and staff organise events")


@login_required
@ensure_csrf_cookie
def events_page(request: HttpRequest) -> HttpResponse:
    """Upcoming events with filters, and "My calendar" (``?mine=1``)."""
    user = _member(request)
    mine = request.GET.get("mine") == "1"
    return render(
        request, "web/events.html", {"mine": mine, "region": user.region, "zone": user.time_zone}
    )


@login_required
@ensure_csrf_cookie
def event_page(request: HttpRequest, event_id: int) -> HttpResponse:
    """One event: its times, place, RSVP, calendar file, live room; the organiser's tools."""
    user = _member(request)
    event = _event(user, event_id)
    context = {
        "event": event,
        "manages": services.can_manage(user, event),
        "series_id": event.series_id,
    }
    return render(request, "web/event.html", context)


@login_required
@ensure_csrf_cookie
def new_event_page(request: HttpRequest) -> HttpResponse:
    _check_organiser(_member(request))
    return render(request, "web/event_new.html")


@login_required
@ensure_csrf_cookie
def classes_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/classes.html")


@login_required
@ensure_csrf_cookie
def class_page(request: HttpRequest, series_id: int) -> HttpResponse:
    user = _member(request)
    return render(request, "web/class.html", {"series": _series(user, series_id)})


@login_required
@ensure_csrf_cookie
def new_class_page(request: HttpRequest) -> HttpResponse:
    _check_organiser(_member(request))
    return render(request, "web/class_new.html")


@login_required
@ensure_csrf_cookie
def room_page(request: HttpRequest, event_id: int) -> HttpResponse:
    """The live room of a virtual event or class session: chat, Q&A, polls, hands. Those
    of its audience without a place are told so, with the way to take one."""
    user = _member(request)
    event = _event(user, event_id)
    if event.kind != Event.Kind.VIRTUAL:
        raise Http404("an event in person has no live room")
    inside = rooms.can_enter(user, event)
    why = ""
    if event.cancelled_at is not None:
        why = "This event was cancelled: its room is closed."
    elif not inside and services.has_a_place(user, event):
        why = "The host removed you from this room."
    context = {"event": event, "inside": inside, "why": why}
    return render(request, "web/room.html", context)
