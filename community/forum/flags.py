"""Flags: members flag posts they think break the rules, enough flags from different
members hide a post until a moderator reviews it, and moderators work through the queue
of flagged posts in their categories, upholding or dismissing the flags."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import User
from accounts.roles import CARE_ROLES, STAFF_ROLES
from community.forum import permissions as perms
from community.forum.moderation import (
    clean_reason,
    existing_post,
    hide_from_members,
    log_action,
    show_to_members,
)
from community.forum.shapes import post_shape
from community.models import Flag, Post
from core.errors import Conflict, Forbidden, ServiceError


def flag(user: User, post_id: int, reason: str, note: str = "") -> Flag:
    """A member flags a post. Enough flags from different members hide it until a
    moderator reviews it."""
    if reason not in Flag.Reason.values:
        raise ServiceError(
            f"reason is one of {', '.join(Flag.Reason.values)}", code="invalid_field"
        )
    post = existing_post(post_id)
    perms.check_visible_thread(user, post.thread)
    perms.check_not_suspended(user)
    if post.author_id == user.pk:
        raise Forbidden("you cannot flag your own post")
    limits = perms.trust_limits(user)
    counts = limits is None or limits.level >= 1
    # Posts of staff and care professionals go to the queue, never hidden by flags alone.
    can_hide = post.author.role not in STAFF_ROLES | CARE_ROLES
    try:
        with transaction.atomic():
            current = Post.objects.select_for_update().get(pk=post.pk)  # flags in turn
            if current.hidden_at is not None and current.hidden_reason == "moderator":
                raise Conflict("a moderator has hidden this post already", code="hidden")
            made = Flag.objects.create(
                post=post, flagged_by=user, reason=reason, note=note.strip()[:500], counts=counts
            )
            Post.objects.filter(pk=post.pk).update(flag_count=F("flag_count") + 1)
            weighty = Flag.objects.filter(post=post, resolved_at__isnull=True, counts=True)
            if (
                can_hide
                and current.hidden_at is None
                and weighty.count() >= settings.FORUM_FLAGS_TO_HIDE
            ):
                hide_from_members(post, "flags")
    except IntegrityError:
        raise Conflict("you flagged this post already", code="flagged") from None
    return made


def review_queue(moderator: User, limit: int = 50) -> list[dict[str, Any]]:
    """Posts with open flags in the moderator's categories, the most flagged first."""
    scope = perms.moderated_categories(moderator)
    found = (
        Post.objects.filter(
            thread__category__in=scope,
            thread__deleted_at__isnull=True,
            pk__in=Flag.objects.filter(resolved_at__isnull=True).values("post_id"),
            deleted_at__isnull=True,
        )
        .annotate(open_flags=Count("flags", filter=Q(flags__resolved_at__isnull=True)))
        .select_related("thread", "author__forum_profile", "reply_to__author__forum_profile")
        .order_by("-open_flags", "id")[:limit]
    )
    posts = list(found)
    flags = Flag.objects.filter(post__in=posts, resolved_at__isnull=True).order_by("id")
    reasons: dict[int, list[dict[str, Any]]] = {}
    for item in flags:
        reasons.setdefault(item.post_id, []).append(
            {"reason": item.reason, "note": item.note, "at": item.created_at}
        )
    return [
        {
            "post": {**post_shape(post), "hidden_html": post.html, "author_id": post.author_id},
            "thread": {"id": post.thread_id, "title": post.thread.title},
            "open_flags": post.open_flags,
            "flags": reasons.get(post.pk, []),
        }
        for post in posts
    ]


def resolve(moderator: User, post_id: int, outcome: str, reason: str) -> Post:
    """Close a post's open flags: upheld keeps it hidden (hiding it if it was not),
    dismissed shows it again."""
    reason = clean_reason(reason)
    if outcome not in Flag.Outcome.values:
        raise ServiceError("outcome is upheld or dismissed", code="invalid_field")
    post = existing_post(post_id)
    perms.check_can_moderate(moderator, post.thread.category)
    with transaction.atomic():
        closed = Flag.objects.filter(post=post, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=moderator, outcome=outcome
        )
        if not closed:
            raise Conflict("this post has no open flags", code="no_flags")
        if outcome == Flag.Outcome.UPHELD:
            if post.hidden_at is None:
                hide_from_members(post, "moderator")
            else:
                Post.objects.filter(pk=post.pk).update(hidden_reason="moderator")
        elif post.hidden_at is not None and post.hidden_reason == "flags":
            show_to_members(post)
        log_action(moderator, f"flags_{outcome}", "post", post.pk, reason, post.thread.category)
    return post
