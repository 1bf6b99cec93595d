"""Keeping the forum healthy: moderator actions on posts, threads and categories, the
moderation log every action writes, and the scopes admins give moderators. Flags and
their review queue are in ``flags``, suspending members in ``suspensions``.

A moderator acts only inside their scopes (``permissions.can_moderate``); every action
names a reason, is logged with who, what and why, and is published like any change."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from community.forum import permissions as perms
from community.forum.services import get_category, get_thread, reaction_counts
from community.forum.shapes import post_shape, thread_shape
from community.models import (
    Category,
    Flag,
    ModerationLogEntry,
    ModeratorScope,
    Post,
    Thread,
)
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from notifications.services import notify_many
from realtime import log
from realtime.copies import source_key, withdraw
from realtime.publish import publish, recheck_followers


def clean_reason(reason: str) -> str:
    """The reason a moderator gives for an action: required, 500 characters at most."""
    reason = reason.strip()
    if not reason:
        raise ServiceError("say why: a reason is required", code="invalid_field")
    if "\x00" in reason:
        raise ServiceError("a reason cannot contain NUL characters", code="invalid_field")
    return reason[:500]


def log_action(
    moderator: User,
    action: str,
    kind: str,
    target_id: int,
    reason: str,
    category: Category | None,
    **data: Any,
) -> None:
    ModerationLogEntry.objects.create(
        moderator=moderator,
        action=action,
        target_kind=kind,
        target_id=target_id,
        category=category,
        reason=reason,
        data=data,
    )


def existing_post(post_id: int) -> Post:
    """A post that is not deleted, in a topic that is not deleted."""
    post = (
        Post.objects.select_related("thread__category", "author__forum_profile")
        .filter(pk=post_id, deleted_at__isnull=True, thread__deleted_at__isnull=True)
        .first()
    )
    if post is None:
        raise NotFound("no such post")
    return post


# --- posts -----------------------------------------------------------------------------


def hide_post(moderator: User, post_id: int, reason: str) -> Post:
    reason = clean_reason(reason)
    post = existing_post(post_id)
    perms.check_can_moderate(moderator, post.thread.category)
    with transaction.atomic():
        current = Post.objects.select_for_update().get(pk=post.pk)
        if current.hidden_at is not None and current.hidden_reason == "moderator":
            raise Conflict("this post is hidden already", code="hidden")
        post.hidden_at = current.hidden_at
        if post.hidden_at is None:
            hide_from_members(post, "moderator")
        else:
            Post.objects.filter(pk=post.pk).update(hidden_reason="moderator")
        log_action(moderator, "hide_post", "post", post.pk, reason, post.thread.category)
        tell_member(post.author_id, "A moderator hid your post", reason, post)
    return post


def restore_post(moderator: User, post_id: int, reason: str) -> Post:
    reason = clean_reason(reason)
    post = existing_post(post_id)
    perms.check_can_moderate(moderator, post.thread.category)
    if post.hidden_at is None:
        raise Conflict("this post is not hidden", code="not_hidden")
    with transaction.atomic():
        show_to_members(post)
        Flag.objects.filter(post=post, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=moderator, outcome=Flag.Outcome.DISMISSED
        )
        log_action(moderator, "restore_post", "post", post.pk, reason, post.thread.category)
    return post


def delete_post(user: User, post_id: int, reason: str = "") -> Post:
    """The author deletes their post, or a moderator does (with a reason). The opening
    post of a thread goes with its thread (``thread_action`` delete)."""
    post = existing_post(post_id)
    perms.check_visible_thread(user, post.thread)
    by_moderator = post.author_id != user.pk
    if by_moderator:
        perms.check_can_moderate(user, post.thread.category)
        reason = clean_reason(reason)
    if post.number == 1:
        raise Conflict("the opening post goes with its topic", code="opening_post")
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now())
        _redact(post, "deleted")
        publish(
            post.thread.topic,
            "post.deleted",
            {
                "id": post.pk,
                "thread": post.thread_id,
                "reason": "moderator" if by_moderator else "author",
            },
        )
        if by_moderator:
            log_action(user, "delete_post", "post", post.pk, reason, post.thread.category)
            tell_member(post.author_id, "A moderator deleted your post", reason, post)
    return post


def hide_from_members(post: Post, why: str) -> None:
    """Hide a post's text from members, in the database and in the stored events, so no
    replay brings it back."""
    Post.objects.filter(pk=post.pk).update(hidden_at=timezone.now(), hidden_reason=why)
    post.hidden_at, post.hidden_reason = timezone.now(), why
    _redact(post, "hidden")
    publish(
        post.thread.topic, "post.hidden", {"id": post.pk, "thread": post.thread_id, "reason": why}
    )


def _redact(post: Post, flag: str) -> None:
    """Take the post's text out of every copy (stored events, notices), and mark it in the
    events that show it whole."""
    withdraw([source_key("post", post.pk)], gone=True)
    log.redact(post.thread.topic, ("post.created", "post.restored"), post.pk, {flag: True})


def show_to_members(post: Post) -> None:
    Post.objects.filter(pk=post.pk).update(hidden_at=None, hidden_reason="")
    post.hidden_at, post.hidden_reason = None, ""
    counts = reaction_counts([post.pk]).get(post.pk)
    publish(post.thread.topic, "post.restored", post_shape(post, counts))


def tell_member(user_id: int, title: str, reason: str, post: Post | None) -> None:
    """A moderation notice to the member, naming their post if it is about one."""
    data = {"post": post.pk, "thread": post.thread_id} if post is not None else {}
    notify_many([user_id], "forum.moderation", title, body=reason, data=data)


# --- threads and categories ------------------------------------------------------------

THREAD_ACTIONS = ("lock", "unlock", "pin", "unpin", "hide", "unhide", "delete", "move", "slow_mode")


def thread_action(
    moderator: User,
    thread_id: int,
    action: str,
    reason: str,
    *,
    category_id: int | None = None,
    seconds: int | None = None,
) -> Thread:
    if action not in THREAD_ACTIONS:
        raise ServiceError(f"action is one of {', '.join(THREAD_ACTIONS)}", code="invalid_field")
    reason = clean_reason(reason)
    thread = get_thread(moderator, thread_id)
    old_category = thread.category
    perms.check_can_moderate(moderator, old_category)
    now = timezone.now()
    simple: dict[str, dict[str, Any]] = {
        "lock": {"locked": True},
        "unlock": {"locked": False},
        "pin": {"pinned": True},
        "unpin": {"pinned": False},
        "hide": {"hidden_at": now},
        "unhide": {"hidden_at": None},
        "delete": {"deleted_at": now},
    }
    changes = simple.get(action, {})
    data: dict[str, Any] = {}
    if action == "move":
        if category_id is None:
            raise ServiceError("name the category to move to", code="invalid_field")
        target = get_category(category_id)
        perms.check_can_moderate(moderator, target)
        changes, data = {"category": target}, {"from": old_category.pk, "to": target.pk}
    if action == "slow_mode":
        changes = {"slow_mode_seconds": _seconds(seconds)}
        data = {"seconds": changes["slow_mode_seconds"]}
    with transaction.atomic():
        for field, value in changes.items():
            setattr(thread, field, value)
        thread.save(update_fields=[f for f in changes])
        log_action(moderator, f"{action}_thread", "thread", thread.pk, reason, old_category, **data)
        update = {
            "thread": thread_shape(thread),
            "change": action,
            "hidden": thread.hidden_at is not None,
            "deleted": thread.deleted_at is not None,
        }
        publish(thread.topic, "thread.updated", update)
        if thread.hidden_at is not None or thread.deleted_at is not None:
            # Gone from the category for its members: its title and author leave the
            # category's stored events, and its followers who may no longer see it leave.
            publish(old_category.topic, "thread.removed", {"thread": thread.pk, "change": action})
            # Its title leaves every copy (the logs of its category and its own, and every
            # notice about it or its posts): the topic is gone for members.
            post_ids = Post.objects.filter(thread=thread).values_list("pk", flat=True)
            withdraw(
                [source_key("thread", thread.pk), *(source_key("post", pk) for pk in post_ids)],
                gone=True,
            )
            recheck_followers(thread.topic)
        elif action == "move":
            # The category it left keeps no copy of its title; the one it joined hears of it;
            # followers who may not see the new category leave it.
            publish(old_category.topic, "thread.removed", {"thread": thread.pk, "change": action})
            withdraw([source_key("thread", thread.pk)], gone=True, topic=old_category.topic)
            publish(thread.category.topic, "thread.updated", update)
            recheck_followers(thread.topic)
        else:
            publish(old_category.topic, "thread.updated", update)
    return thread


def _seconds(seconds: int | None) -> int:
    if seconds is None or not 0 <= seconds <= 24 * 3600:
        raise ServiceError("slow mode is 0 to 86400 seconds", code="invalid_field")
    return seconds


def category_slow_mode(moderator: User, category_id: int, seconds: int, reason: str) -> Category:
    reason = clean_reason(reason)
    category = get_category(category_id)
    perms.check_can_moderate(moderator, category)
    category.slow_mode_seconds = _seconds(seconds)
    with transaction.atomic():
        category.save(update_fields=["slow_mode_seconds"])
        log_action(
            moderator,
            "slow_mode_category",
            "category",
            category.pk,
            reason,
            category,
            seconds=seconds,
        )
    return category


# --- the log and moderators' scopes ----------------------------------------------------


def log_for(moderator: User, limit: int = 100) -> list[dict[str, Any]]:
    """The log of the moderator's categories, and their own member actions."""
    if moderator.role not in (Role.MODERATOR, Role.ADMIN):
        raise Forbidden("moderators only")
    entries = ModerationLogEntry.objects.select_related("moderator")
    if moderator.role != Role.ADMIN:
        entries = entries.filter(
            Q(category__in=perms.moderated_categories(moderator)) | Q(moderator=moderator)
        )
    return [
        {
            "at": e.at,
            "moderator": e.moderator.public_name(),
            "action": e.action,
            "target": {"kind": e.target_kind, "id": e.target_id},
            "category": e.category_id,
            "reason": e.reason,
            "data": e.data,
        }
        for e in entries[:limit]
    ]


def add_scope(
    admin: User, moderator_id: int, *, category_id: int | None, region: str, locale: str
) -> ModeratorScope:
    if admin.role != Role.ADMIN:
        raise Forbidden("only admins give moderators their scopes")
    moderator = User.objects.filter(pk=moderator_id, role=Role.MODERATOR).first()
    if moderator is None:
        raise NotFound("no such moderator")
    category = get_category(category_id) if category_id is not None else None
    return ModeratorScope.objects.create(
        moderator=moderator, category=category, region=region, locale=locale
    )
