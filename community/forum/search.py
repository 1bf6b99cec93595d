"""Searching topic titles and posts: PostgreSQL full-text search in production (GIN
indexes from migration 0003), a plain case-insensitive match in embedded mode. Both
return the same shape, and only what the searcher may see."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet

from accounts.models import User
from community.forum.permissions import filter_visible_threads
from community.models import Post, Thread
from core.errors import ServiceError

CONFIG = "simple"  # no stemming: the forum is multilingual (the index uses the same)


def search(user: User, query: str, limit: int = 20) -> list[dict[str, Any]]:
    query = query.strip()
    if len(query) < 2:
        raise ServiceError("search for two characters or more", code="invalid_field")
    if len(query) > 200 or "\x00" in query:
        raise ServiceError("search for 200 characters at most", code="invalid_field")
    threads = filter_visible_threads(user, Thread.objects.all())
    posts = Post.objects.filter(thread__in=threads, deleted_at__isnull=True, hidden_at__isnull=True)
    if connection.vendor == "postgresql":
        found_posts, found_threads = _full_text(posts, threads, query)
    else:
        found_posts = posts.filter(body__icontains=query)
        found_threads = threads.filter(title__icontains=query)
    hits: dict[int, dict[str, Any]] = {}
    for thread in found_threads.select_related("category").order_by("-last_posted_at")[:limit]:
        hits[thread.pk] = _hit(thread, None)
    for post in found_posts.select_related("thread__category").order_by("-created_at")[:limit]:
        hits.setdefault(post.thread_id, _hit(post.thread, post))
    return list(hits.values())[:limit]


def _full_text(
    posts: QuerySet[Post], threads: QuerySet[Thread], query: str
) -> tuple[QuerySet[Post], QuerySet[Thread]]:
    # Written out to match the indexed expression exactly (Django's SearchVector adds a
    # COALESCE, which the index does not have).
    match = f"to_tsvector('{CONFIG}', {{}}) @@ websearch_to_tsquery('{CONFIG}', %s)"
    return (
        posts.extra(where=[match.format("community_post.body")], params=[query]),  # noqa: S610
        threads.extra(where=[match.format("community_thread.title")], params=[query]),  # noqa: S610
    )


def _hit(thread: Thread, post: Post | None) -> dict[str, Any]:
    return {
        "thread": thread.pk,
        "title": thread.title,
        "category": thread.category_id,
        "post": post.number if post is not None else None,
        "excerpt": (post.body if post is not None else "")[:200],
    }
