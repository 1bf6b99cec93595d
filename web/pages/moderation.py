"""The moderation page: the review queue of flagged posts, topic and category actions,
suspensions and the moderation log, for moderators and admins (the API checks each
action against the moderator's scopes)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import User
from community.forum.permissions import is_staff


def is_moderator(user: object) -> bool:
    """Moderators and admins, as the moderation API decides."""
    return isinstance(user, User) and is_staff(user)


@login_required
@ensure_csrf_cookie
def moderation_page(request: HttpRequest) -> HttpResponse:
    if not is_moderator(request.user):
        return render(request, "web/moderation_refused.html", status=403)
    return render(request, "web/moderation.html")
