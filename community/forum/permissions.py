"""Who may do what in the forum: audiences, open windows, suspensions, locks, moderator
scopes and the limits on new accounts. Every check raises; ``filter_*`` narrow querysets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.roles import CARE_ROLES, STAFF_ROLES, Role
from community.models import Category, ModeratorScope, Post, Suspension, Thread
from core.errors import Forbidden, NotFound, RateLimited


def is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES


def in_audience(user: User, category: Category) -> bool:
    """A localized category is for customers of its locale and region; professionals and
    staff may take part anywhere."""
    if user.role != Role.CUSTOMER or not category.is_localized:
        return True
    if category.locale and category.locale != user.locale:
        return False
    return not (category.region and category.region != user.region)


def active_suspension(user: User) -> Suspension | None:
    return (
        Suspension.objects.filter(user=user, until__gt=timezone.now(), lifted_at__isnull=True)
        .order_by("-until")
        .first()
    )


def check_not_suspended(user: User) -> None:
    suspension = active_suspension(user)
    if suspension is not None:
        raise Forbidden(
            f"you are suspended from the forum until {suspension.until.isoformat()}",
            code="suspended",
        )


def check_can_post_in_category(user: User, category: Category) -> None:
    check_not_suspended(user)
    if not category.is_open():
        raise Forbidden("this category is closed", code="closed")
    if not in_audience(user, category):
        raise Forbidden("this category is for members of another locale or region", code="audience")


def check_can_reply(user: User, thread: Thread) -> None:
    check_visible_thread(user, thread)
    check_can_post_in_category(user, thread.category)
    if not thread.is_open():
        raise Forbidden("this topic is closed", code="closed")
    if thread.locked and not can_moderate(user, thread.category):
        raise Forbidden("this topic is locked", code="locked")


def check_visible_thread(user: User, thread: Thread) -> None:
    """A deleted thread is gone; a hidden one is seen by its moderators only."""
    if thread.deleted_at is not None:
        raise NotFound("no such topic")
    if thread.hidden_at is not None and not can_moderate(user, thread.category):
        raise NotFound("no such topic")


def filter_visible_threads(user: User, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    threads = threads.filter(deleted_at__isnull=True)
    if user.role == Role.ADMIN:
        return threads
    return threads.filter(Q(hidden_at__isnull=True) | Q(category__in=moderated_categories(user)))


# --- moderators ---------------------------------------------------------------------


def _scope_covers(scope: ModeratorScope, category: Category) -> bool:
    if scope.category_id is not None:
        return scope.category_id == category.pk
    if not scope.region and not scope.locale:
        return True  # a global moderator
    return scope.region == category.region and (not scope.locale or scope.locale == category.locale)


def can_moderate(user: User, category: Category) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.MODERATOR:
        return False
    return any(_scope_covers(s, category) for s in ModeratorScope.objects.filter(moderator=user))


def check_can_moderate(user: User, category: Category) -> None:
    if not can_moderate(user, category):
        raise Forbidden("you do not moderate this category", code="not_your_scope")


def moderated_categories(user: User) -> QuerySet[Category]:
    """The categories ``user`` moderates (every one for an admin; none for a member)."""
    if user.role == Role.ADMIN:
        return Category.objects.all()
    if user.role != Role.MODERATOR:
        return Category.objects.none()
    covered = Q(pk__in=[])
    for scope in ModeratorScope.objects.filter(moderator=user):
        if scope.category_id is not None:
            covered |= Q(pk=scope.category_id)
        elif not scope.region and not scope.locale:
            return Category.objects.all()
        else:
            match = Q(region=scope.region)
            if scope.locale:
                match &= Q(locale=scope.locale)
            covered |= match
    return Category.objects.filter(covered)


def check_can_manage_categories(user: User) -> None:
    if user.role != Role.ADMIN:
        raise Forbidden("only admins manage categories")


# --- limits on new accounts (trust levels) -----------------------------------------


@dataclass(frozen=True)
class Limits:
    level: int
    posts_per_hour: int
    links_per_post: int
    mentions_per_post: int


LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,30})")


def trust_limits(user: User, now: datetime | None = None) -> Limits | None:
    """The limits of a member's trust level, or None (no limits) for staff and care
    professionals. Level 0 (new): the first days or posts. Level 1: some age and posts.
    Level 2: established, without posts hidden by moderation recently."""
    if user.role in STAFF_ROLES or user.role in CARE_ROLES:
        return None
    now = now or timezone.now()
    age = now - user.date_joined
    mine = Post.objects.filter(author=user)
    shown = mine.filter(deleted_at__isnull=True, hidden_at__isnull=True).count()
    rules = settings.FORUM_TRUST_LEVELS
    level = 0
    for index, rule in enumerate(rules[1:], start=1):
        if age < timedelta(days=rule["min_days"]) or shown < rule["min_posts"]:
            break
        if rule.get("no_hidden_posts_days"):
            since = now - timedelta(days=rule["no_hidden_posts_days"])
            if mine.filter(hidden_at__gte=since).exclude(hidden_reason="").exists():
                break
        level = index
    rule = rules[level]
    return Limits(level, rule["posts_per_hour"], rule["links_per_post"], rule["mentions_per_post"])


def check_post_limits(
    user: User, body: str, now: datetime | None = None, per_hour: bool = True
) -> None:
    """A new member's limits on one post (links, mentions) and, unless ``per_hour`` is
    off (an edit), on how many posts an hour."""
    limits = trust_limits(user, now)
    if limits is None:
        return
    now = now or timezone.now()
    if len(LINK.findall(body)) > limits.links_per_post:
        raise Forbidden(
            f"new members may include {limits.links_per_post} links per post",
            code="too_many_links",
        )
    if len(set(MENTION.findall(body))) > limits.mentions_per_post:
        raise Forbidden(
            f"new members may mention {limits.mentions_per_post} people per post",
            code="too_many_mentions",
        )
    if not per_hour:
        return
    hour_ago = now - timedelta(hours=1)
    recent = Post.objects.filter(author=user, created_at__gte=hour_ago).order_by("created_at")
    count = recent.count()
    if count >= limits.posts_per_hour:
        first = recent.values_list("created_at", flat=True).first()
        wait = (first + timedelta(hours=1) - now).total_seconds() if first else 60.0
        raise RateLimited(
            max(wait, 1.0), f"new members may post {limits.posts_per_hour} times an hour"
        )


def check_slow_mode(user: User, thread: Thread, now: datetime | None = None) -> None:
    """A minimum interval between one member's posts, in a thread or a whole category."""
    if can_moderate(user, thread.category):
        return
    now = now or timezone.now()
    for seconds, scope in (
        (thread.slow_mode_seconds, Q(thread=thread)),
        (thread.category.slow_mode_seconds, Q(thread__category_id=thread.category_id)),
    ):
        if not seconds:
            continue
        last = (
            Post.objects.filter(scope, author=user, created_at__gt=now - timedelta(seconds=seconds))
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is not None:
            wait = (last + timedelta(seconds=seconds) - now).total_seconds()
            raise RateLimited(max(wait, 0.1), f"slow mode: one post every {seconds} seconds")
