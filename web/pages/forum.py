"""The forum's pages: the categories with their topics and search, and one topic. They
render the shell; the posts come from the JSON API and the socket."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie


@login_required
@ensure_csrf_cookie
def forum_page(request: HttpRequest) -> HttpResponse:
    """Categories (mine first), the topics of the one chosen (live), and search."""
    return render(request, "web/forum.html")


@login_required
@ensure_csrf_cookie
def thread_page(request: HttpRequest, thread_id: int) -> HttpResponse:
    """One topic's posts, live: replies, edits, reactions and moderation as they happen."""
    return render(request, "web/thread.html", {"thread_id": thread_id})
