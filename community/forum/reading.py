"""What a member reads in the forum and how far: the topics and categories they follow,
their read positions, and the pages of a category's topics (with unread counts) and of
a topic's posts, as the API and the socket actions serve them. The writes are in
``services``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from community.forum import permissions as perms
from community.forum.services import (
    get_category,
    get_thread,
    matches_member,
    my_reactions,
    reaction_counts,
    read_up_to,
)
from community.forum.shapes import category_shape, post_shape, thread_shape
from community.models import Category, Follow, ReadPosition, Thread
from core.errors import Forbidden, ServiceError

# --- following and reading ------------------------------------------------------------


def set_follow(
    user: User, level: str, *, thread_id: int | None = None, category_id: int | None = None
) -> Follow:
    if level not in Follow.Level.values:
        raise ServiceError("level is muted, normal or watching", code="invalid_field")
    if (thread_id is None) == (category_id is None):
        raise ServiceError("name a topic or a category", code="invalid_field")
    if thread_id is not None:
        target: dict[str, Any] = {"thread": get_thread(user, thread_id)}
    else:
        target = {"category": get_category(category_id or 0)}
    follow, _ = Follow.objects.update_or_create(user=user, **target, defaults={"level": level})
    return follow


def follow_level(
    user: User, *, thread: Thread | None = None, category: Category | None = None
) -> str:
    """How closely ``user`` follows the topic or the category: ``normal`` until they choose."""
    target: dict[str, Any] = {"thread": thread} if thread is not None else {"category": category}
    level = Follow.objects.filter(user=user, **target).values_list("level", flat=True).first()
    return level or Follow.Level.NORMAL


def posting_state(user: User, check: Callable[[], None]) -> dict[str, Any]:
    """Whether ``check`` lets ``user`` post, and if not why: so a page offers a form only
    where posting is allowed and says why elsewhere (locked, closed, suspended, audience)."""
    try:
        check()
    except Forbidden as refused:
        suspension = perms.active_suspension(user) if refused.code == "suspended" else None
        return {
            "allowed": False,
            "code": refused.code,
            "message": refused.message,
            "until": suspension.until if suspension else None,
            "reason": suspension.reason if suspension else "",
        }
    return {"allowed": True, "code": "", "message": "", "until": None, "reason": ""}


def mark_read(user: User, thread_id: int, number: int) -> int:
    thread = get_thread(user, thread_id)
    return read_up_to(user, thread, min(number, thread.last_number))


# --- listing ----------------------------------------------------------------------------


def threads_page(user: User, category_id: int, offset: int, limit: int) -> dict[str, Any]:
    """A page of a category's threads, pinned first then by last post, with this user's
    unread counts: a bounded number of queries however many threads there are."""
    category = get_category(category_id)
    threads = _with_unread(user, perms.filter_visible_threads(user, category.threads.all()))
    page = list(
        threads.select_related("author__forum_profile", "category").order_by(
            "-pinned", "-last_posted_at", "-id"
        )[offset : offset + limit]
    )
    return {
        "category": category_shape(category, matches_member(user, category)),
        "threads": [{**thread_shape(t), "unread": t.unread} for t in page],  # type: ignore[attr-defined]
        "follow": follow_level(user, category=category),
        "posting": posting_state(user, lambda: perms.check_can_post_in_category(user, category)),
        "moderator": perms.can_moderate(user, category),
    }


def _with_unread(user: User, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    read = ReadPosition.objects.filter(user=user, thread=OuterRef("pk")).values("last_read_number")[
        :1
    ]
    return threads.annotate(
        unread=F("last_number") - Coalesce(Subquery(read), Value(0), output_field=IntegerField())
    )


def posts_page(user: User, thread_id: int, after: int, limit: int) -> dict[str, Any]:
    """Posts after number ``after``, a page at a time: a bounded number of queries."""
    thread = get_thread(user, thread_id)
    posts = list(
        thread.posts.filter(number__gt=after)
        .select_related("author__forum_profile", "reply_to__author__forum_profile")
        .order_by("number")[:limit]
    )
    ids = [p.pk for p in posts]
    counts, mine = reaction_counts(ids), my_reactions(user, ids)
    moderator = perms.can_moderate(user, thread.category)
    shaped = []
    for post in posts:
        item = post_shape(post, counts.get(post.pk))
        item["mine"] = mine.get(post.pk, [])
        if post.author_id == user.pk and post.visible:
            item["source"] = post.body  # what I wrote, to edit it
        if moderator:
            item["author_id"] = post.author_id  # to suspend an author from their post
            if post.hidden_at is not None and post.deleted_at is None:
                item["hidden_html"] = post.html  # moderators review what is hidden
        shaped.append(item)
    position = ReadPosition.objects.filter(user=user, thread=thread).first()
    return {
        "thread": thread_shape(thread),
        "last_read": position.last_read_number if position else 0,
        "moderator": moderator,
        "posts": shaped,
        "follow": follow_level(user, thread=thread),
        "posting": posting_state(user, lambda: perms.check_can_reply(user, thread)),
    }


def page_limit(limit: int | None) -> int:
    return max(1, min(limit or settings.FORUM_PAGE_SIZE, 100))
