"""The shell's navigation: the parts of the app a member's role may use, the current one
marked. Pages add themselves here as they are built."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from accounts.models import User
from accounts.roles import CARE_ROLES, STAFF_ROLES, Role
from community.surveys.permissions import can_author
from events.services import can_organise


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    # Which roles see it (None: every signed-in member).
    roles: frozenset[str] | None = None
    # An element id for a live count shown beside it (the shell fills it in).
    count_id: str = ""


NAV: tuple[NavItem, ...] = (
    NavItem("Messages", "/", count_id="dm-count"),
    NavItem("Forum", "/forum"),
    NavItem("Events", "/events"),
    NavItem("Classes", "/classes"),
    NavItem("Surveys", "/surveys"),
    NavItem("Profile", "/profile", roles=frozenset({Role.CUSTOMER})),
    NavItem("Results", "/results", roles=frozenset({Role.CUSTOMER})),
    NavItem("Plans", "/plans", roles=frozenset({Role.CUSTOMER})),
    NavItem("Check-in", "/check-in", roles=frozenset({Role.CUSTOMER})),
    NavItem("Goals", "/goals", roles=frozenset({Role.CUSTOMER})),
    NavItem("My customers", "/care", roles=frozenset(CARE_ROLES)),
    NavItem("Alerts", "/care/alerts", roles=frozenset(CARE_ROLES)),
    NavItem("Moderation", "/moderation", roles=frozenset(STAFF_ROLES)),
)


def _is_current(href: str, path: str) -> bool:
    if href == "/":
        return path == "/" or path.startswith("/messages")
    return path == href or path.startswith(href + "/")


def shell(request: HttpRequest) -> dict[str, object]:
    """Template context for the shell: ``nav`` (label, href, current, count_id) and what
    the signed-in member may create."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"nav": []}
    items = [
        {
            "label": item.label,
            "href": item.href,
            "current": _is_current(item.href, request.path),
            "count_id": item.count_id,
        }
        for item in NAV
        if item.roles is None or user.role in item.roles or user.is_superuser
    ]
    # One current item: the most specific ("/care/alerts" rather than "/care" beside it).
    longest = max((len(str(i["href"])) for i in items if i["current"]), default=0)
    for item in items:
        item["current"] = bool(item["current"]) and len(str(item["href"])) == longest
    return {
        "nav": items,
        # The pages offer what the rules of the API allow (the same functions decide).
        "may_organise": can_organise(user),
        "may_author_surveys": can_author(user),
    }
