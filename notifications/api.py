from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from accounts.permissions import signed_in_user
from core.errors import ServiceError
from core.pagination import BoundedLimitOffset
from notifications import services
from notifications.kinds import KINDS
from notifications.models import Notification
from notifications.schemas import (
    MarkReadIn,
    PreferenceIn,
    PreferenceOut,
    UnreadOut,
)
from notifications.topics import NotificationCreated as NotificationOut

router = Router(tags=["notifications"])


@router.get("/notifications", response=list[NotificationOut])
@paginate(BoundedLimitOffset)
def list_notifications(request: HttpRequest, unread: bool = False) -> object:
    """Newest first; ``?unread=true`` for the unread ones only."""
    notes = Notification.objects.filter(user=signed_in_user(request))
    return notes.filter(read_at__isnull=True) if unread else notes


@router.get("/notifications/unread-count", response=UnreadOut)
def unread_count(request: HttpRequest) -> dict[str, int]:
    return {"unread_count": services.unread_count(signed_in_user(request))}


@router.post("/notifications/read", response=UnreadOut)
def mark_read(request: HttpRequest, payload: MarkReadIn) -> dict[str, int]:
    """Marks the listed ids read, or every notification with ``{"all": true}``."""
    if payload.all == (payload.ids is not None):
        raise ServiceError("send either ids or all: true", code="invalid_field")
    return {
        "unread_count": services.mark_read(
            signed_in_user(request), None if payload.all else payload.ids
        )
    }


@router.get("/notifications/preferences", response=list[PreferenceOut])
def preferences(request: HttpRequest) -> list[dict[str, object]]:
    user = signed_in_user(request)
    out: list[dict[str, object]] = []
    for kind in KINDS.values():
        in_app, email = services.preference(user, kind.name)
        out.append(
            {
                "kind": kind.name,
                "label": kind.label,
                "in_app": in_app,
                "email": email and kind.mailed,
                "mailed": kind.mailed,
            }
        )
    return out


@router.put("/notifications/preferences/{kind}", response=PreferenceOut)
def set_preference(request: HttpRequest, kind: str, payload: PreferenceIn) -> dict[str, object]:
    """A kind that is never mailed (``mailed`` false) cannot be turned on by email."""
    user = signed_in_user(request)
    if kind in KINDS and payload.email and not KINDS[kind].mailed:
        raise ServiceError(f"{kind} is not sent by email", code="invalid_field")
    saved = services.set_preference(user, kind, in_app=payload.in_app, email=payload.email)
    found = KINDS[kind]
    return {
        "kind": kind,
        "label": found.label,
        "in_app": saved.in_app,
        "email": saved.email and found.mailed,
        "mailed": found.mailed,
    }
