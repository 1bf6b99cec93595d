"""The forum's writes: categories, threads, posts, edits, reactions and the read position
a post moves. Handles are in ``profiles``, what members follow and read in ``reading``,
who hears of a post in ``notices``, moderation in ``moderation``; every rule is in
``permissions``."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from community.forum import notices
from community.forum import permissions as perms
from community.forum.profiles import profile_of
from community.forum.shapes import (
    category_shape,
    post_shape,
    thread_shape,
)
from community.models import (
    Category,
    Follow,
    Post,
    PostRevision,
    Reaction,
    ReadPosition,
    Thread,
)
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from core.text import render_markdown
from realtime.copies import source_key, withdraw
from realtime.publish import publish

MAX_BODY = 20_000
MAX_TITLE = 200
REACTIONS = ("👍", "❤️", "😂", "🎉", "🤔", "🙏")


def _clean(text: str, what: str, limit: int) -> str:
    text = text.strip()
    if not text:
        raise ServiceError(f"a {what} cannot be empty", code="invalid_field")
    if len(text) > limit:
        raise ServiceError(f"a {what} is {limit} characters at most", code="invalid_field")
    if "\x00" in text:
        raise ServiceError(f"a {what} cannot contain NUL characters", code="invalid_field")
    return text


# --- categories -------------------------------------------------------------------------


def create_category(
    admin: User,
    *,
    name: str,
    slug: str,
    description: str = "",
    locale: str = "",
    region: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    position: int = 0,
) -> Category:
    perms.check_can_manage_categories(admin)
    _check_window(starts_at, ends_at)
    if Category.objects.filter(slug=slug).exists():
        raise Conflict("a category has this slug already", code="slug_taken")
    return Category.objects.create(
        name=_clean(name, "name", 120),
        slug=slug,
        description=description.strip(),
        locale=locale,
        region=region,
        starts_at=starts_at,
        ends_at=ends_at,
        position=position,
    )


def _check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ServiceError("the end must come after the start", code="invalid_field")


def categories_for(user: User) -> list[dict[str, Any]]:
    """Every category, the ones for this member first: global ones and those of their
    locale and region (a customer can browse the rest, and post only in their own)."""
    shaped = []
    for category in Category.objects.all():
        for_you = not category.is_localized or matches_member(user, category)
        shaped.append(category_shape(category, for_you))
    shaped.sort(key=lambda c: (not c["for_you"], c["archived"]))
    return shaped


def matches_member(user: User, category: Category) -> bool:
    return (not category.locale or category.locale == user.locale) and (
        not category.region or category.region == user.region
    )


def get_category(category_id: int) -> Category:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound("no such category")
    return category


# --- threads and posts ------------------------------------------------------------------


def start_thread(
    user: User,
    category_id: int,
    title: str,
    body: str,
    *,
    client_id: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> tuple[Thread, Post]:
    """A new thread and its opening post. Times make it temporal (staff only)."""
    title = _clean(title, "title", MAX_TITLE)
    body = _clean(body, "post", MAX_BODY)
    category = get_category(category_id)
    perms.check_can_post_in_category(user, category)
    if (starts_at or ends_at) and not perms.can_moderate(user, category):
        raise Forbidden("only moderators open temporal topics", code="forbidden")
    _check_window(starts_at, ends_at)
    existing = _posted_before(user, client_id)
    if existing is not None:
        if existing.number != 1:
            raise Conflict("this client id was used for a reply", code="client_id_reused")
        return existing.thread, existing
    perms.check_post_limits(user, body)
    profile_of(user)
    now = timezone.now()
    try:
        return _create_thread(user, category, title, body, client_id, starts_at, ends_at, now)
    except IntegrityError:  # the same client id, sent twice at once
        existing = _posted_before(user, client_id)
        if existing is None or existing.number != 1:
            raise
        return existing.thread, existing


def _create_thread(
    user: User,
    category: Category,
    title: str,
    body: str,
    client_id: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    now: datetime,
) -> tuple[Thread, Post]:
    with transaction.atomic():
        thread = Thread.objects.create(
            category=category,
            title=title,
            author=user,
            created_at=now,
            last_posted_at=now,
            last_number=1,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        post = Post.objects.create(
            thread=thread,
            number=1,
            author=user,
            client_id=client_id,
            body=body,
            html=render_markdown(body),
            created_at=now,
        )
        Follow.objects.create(user=user, thread=thread, level=Follow.Level.WATCHING)
        ReadPosition.objects.create(user=user, thread=thread, last_read_number=1)
        publish(category.topic, "thread.created", {"thread": thread_shape(thread)})
        publish(thread.topic, "post.created", post_shape(post))
        # Notices after the commit, each batch in its own transaction (see notices.notify_post).
        transaction.on_commit(lambda: notices.notify_new_thread(thread, post), robust=True)
    return thread, post


def reply(
    user: User, thread_id: int, body: str, *, reply_to: int | None = None, client_id: str = ""
) -> Post:
    """A post in a thread, optionally quoting (replying to) one of its posts."""
    body = _clean(body, "post", MAX_BODY)
    existing = _posted_before(user, client_id)
    if existing is not None:
        if existing.thread_id != thread_id:
            raise Conflict("this client id was used in another topic", code="client_id_reused")
        return existing
    thread = get_thread(user, thread_id)
    perms.check_can_reply(user, thread)
    perms.check_slow_mode(user, thread)
    perms.check_post_limits(user, body)
    quoted = None
    if reply_to is not None:
        quoted = (
            Post.objects.select_related("author__forum_profile")
            .filter(pk=reply_to, thread=thread, deleted_at__isnull=True, hidden_at__isnull=True)
            .first()
        )
        if quoted is None:
            raise NotFound("no such post to reply to")
    profile_of(user)
    html = render_markdown(body)
    try:
        with transaction.atomic():
            # The thread row is the counter: locked, numbered, bumped, in one statement.
            locked = Thread.objects.select_for_update().get(pk=thread.pk)
            locked.category = thread.category
            perms.check_can_reply(user, locked)  # again: a moderator may have just locked it
            now = timezone.now()
            post = Post.objects.create(
                thread=locked,
                number=locked.last_number + 1,
                author=user,
                client_id=client_id,
                body=body,
                html=html,
                reply_to=quoted,
                created_at=now,
            )
            Thread.objects.filter(pk=thread.pk).update(last_number=post.number, last_posted_at=now)
            post.thread = thread
            Follow.objects.get_or_create(
                user=user, thread=thread, defaults={"level": Follow.Level.NORMAL}
            )
            read_up_to(user, thread, post.number)
            publish(thread.topic, "post.created", post_shape(post))
            # After the commit, one transaction per batch of notices: two posts notifying
            # the same people in different orders cannot deadlock on their topics.
            transaction.on_commit(lambda: notices.notify_post(thread, post, quoted), robust=True)
    except IntegrityError:
        existing = _posted_before(user, client_id)
        if existing is None:
            raise
        return existing
    return post


def _posted_before(user: User, client_id: str) -> Post | None:
    if not client_id:
        return None
    return Post.objects.select_related("thread").filter(author=user, client_id=client_id).first()


def get_thread(user: User, thread_id: int) -> Thread:
    thread = (
        Thread.objects.select_related("category", "author__forum_profile")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None:
        raise NotFound("no such topic")
    perms.check_visible_thread(user, thread)
    return thread


def edit_post(user: User, post_id: int, body: str) -> Post:
    """The author edits their post while its topic is open; the old text is kept."""
    body = _clean(body, "post", MAX_BODY)
    post = _visible_post(user, post_id)
    if post.author_id != user.pk:
        raise Forbidden("you can edit your own posts only")
    perms.check_not_suspended(user)
    if not (post.thread.is_open() and post.thread.category.is_open()) or post.thread.locked:
        raise Forbidden("this topic is closed", code="closed")
    perms.check_post_limits(user, body, per_hour=False)
    with transaction.atomic():
        current = Post.objects.select_for_update().get(pk=post.pk)
        if current.hidden_at is not None or current.deleted_at is not None:
            raise Forbidden("a hidden post cannot be edited", code="hidden")
        post.body, post.html = current.body, current.html
        PostRevision.objects.create(post=post, body=post.body, html=post.html, edited_by=user)
        post.body, post.html, post.edited_at = body, render_markdown(body), timezone.now()
        post.save(update_fields=["body", "html", "edited_at"])
        # Copies show the post as it is now; the replaced words stay in its revisions only.
        withdraw([source_key("post", post.pk)], gone=False, current={"html": post.html})
        publish(
            post.thread.topic,
            "post.edited",
            {
                "id": post.pk,
                "thread": post.thread_id,
                "html": post.html,
                "edited_at": post.edited_at,
                "revisions": post.revisions.count(),
            },
        )
    return post


def revisions(user: User, post_id: int) -> list[dict[str, Any]]:
    post = _visible_post(user, post_id)
    if post.hidden_at is not None and not perms.can_moderate(user, post.thread.category):
        raise NotFound("no such post")
    return [{"html": r.html, "replaced_at": r.replaced_at} for r in post.revisions.order_by("id")]


def _visible_post(user: User, post_id: int) -> Post:
    post = (
        Post.objects.select_related("thread__category", "author__forum_profile")
        .filter(pk=post_id, deleted_at__isnull=True)
        .first()
    )
    if post is None:
        raise NotFound("no such post")
    perms.check_visible_thread(user, post.thread)
    return post


def react(user: User, post_id: int, emoji: str, on: bool) -> dict[str, int]:
    if emoji not in REACTIONS:
        raise ServiceError(f"reactions are {' '.join(REACTIONS)}", code="invalid_field")
    post = _visible_post(user, post_id)
    perms.check_not_suspended(user)
    if post.hidden_at is not None:
        raise NotFound("no such post")
    if not (post.thread.is_open() and post.thread.category.is_open()):
        raise Forbidden("this topic is closed", code="closed")
    with transaction.atomic():
        Post.objects.select_for_update().filter(pk=post.pk).first()  # counts in turn
        if on:
            Reaction.objects.get_or_create(post=post, user=user, emoji=emoji)
        else:
            Reaction.objects.filter(post=post, user=user, emoji=emoji).delete()
        counts = reaction_counts([post.pk]).get(post.pk, {})
        publish(
            post.thread.topic,
            "reaction.updated",
            {"post": post.pk, "thread": post.thread_id, "reactions": counts},
        )
    return counts


def my_reactions(user: User, post_ids: list[int]) -> dict[int, list[str]]:
    """The reactions ``user`` gave each post, in the order of ``REACTIONS``: per member, so
    in the API's answers to them and never in the broadcast events."""
    found: dict[int, set[str]] = defaultdict(set)
    for post_id, emoji in Reaction.objects.filter(user=user, post_id__in=post_ids).values_list(
        "post_id", "emoji"
    ):
        found[post_id].add(emoji)
    return {pk: [e for e in REACTIONS if e in emojis] for pk, emojis in found.items()}


def reaction_counts(post_ids: list[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Reaction.objects.filter(post_id__in=post_ids)
        .values_list("post_id", "emoji")
        .annotate(n=Count("id"))
    )
    for post_id, emoji, n in rows:
        found[post_id][emoji] = n
    return found


# --- read positions ---------------------------------------------------------------------


def read_up_to(user: User, thread: Thread, number: int) -> int:
    """Move the member's read position in the thread up to ``number``, never back."""
    position, _ = ReadPosition.objects.get_or_create(user=user, thread=thread)
    if number > position.last_read_number:
        ReadPosition.objects.filter(pk=position.pk, last_read_number__lt=number).update(
            last_read_number=number
        )
        return number
    return position.last_read_number
