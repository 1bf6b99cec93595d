"""The one way each forum object is shaped for events and the HTTP API alike (their
schemas are in ``community.forum.topics``).

Authors appear by their chosen style and ``handle``, never by user id: a pseudonymous
member stays pseudonymous (the client tells its own posts by its own handle). An erased
member appears as "A deleted member" with a handle given at erasure, never the one they
chose (``community.forum.personal_data``)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from community.models import Category, ForumProfile, Post, Thread


def display_name(user: User, profile: ForumProfile | None) -> str:
    """The author's name in the forum, in the style they chose; an erased member's is the
    erased name, whatever style they had (``User.public_name``)."""
    if user.erased_at is not None:
        return user.public_name()
    style = profile.name_style if profile is not None else ForumProfile.NameStyle.FIRST_INITIAL
    if style == ForumProfile.NameStyle.PSEUDONYM and profile is not None:
        return profile.handle
    full = (user.display_name or "").strip()
    if not full:
        return profile.handle if profile is not None else "member"
    if style == ForumProfile.NameStyle.FULL:
        return full
    first, _, rest = full.partition(" ")
    return f"{first} {rest.strip()[0]}." if rest.strip() else first


def author_of(user: User) -> dict[str, Any]:
    """``user`` as an author; the profile must exist (``profiles.profile_of`` makes it)."""
    profile = getattr(user, "forum_profile", None)
    handle = profile.handle if profile is not None else "member"
    return {"handle": handle, "name": display_name(user, profile)}


def present_authors(rows: list[Any]) -> None:
    """Replay hook of ``forum:`` and ``thread:`` topics: every author in the stored events
    is shown as that member chooses now (a pseudonym taken later hides the real name in old
    events too). Authors blanked with their text (a hidden topic) stay blank."""
    post_ids: set[int] = set()
    thread_ids: set[int] = set()
    for row in rows:
        data = row.data
        if row.type in ("post.created", "post.restored"):
            post_ids.add(data["id"])
            if data.get("reply_to"):
                post_ids.add(data["reply_to"]["id"])
        elif row.type in ("thread.created", "thread.updated"):
            thread_ids.add(data["thread"]["id"])
    if not post_ids and not thread_ids:
        return
    posts = {
        pk: author_of(author)
        for pk, author in (
            (p.pk, p.author)
            for p in Post.objects.filter(pk__in=post_ids).select_related("author__forum_profile")
        )
    }
    threads = {
        t.pk: author_of(t.author)
        for t in Thread.objects.filter(pk__in=thread_ids).select_related("author__forum_profile")
    }

    def now_of(author: dict[str, Any], found: dict[str, Any] | None) -> dict[str, Any]:
        return author if found is None or not author.get("handle") else found

    for row in rows:
        data = row.data
        if row.type in ("post.created", "post.restored"):
            data["author"] = now_of(data["author"], posts.get(data["id"]))
            if data.get("reply_to"):
                reply = data["reply_to"]
                reply["author"] = now_of(reply["author"], posts.get(reply["id"]))
        elif row.type in ("thread.created", "thread.updated"):
            thread = data["thread"]
            thread["author"] = now_of(thread["author"], threads.get(thread["id"]))


def post_shape(post: Post, reactions: dict[str, int] | None = None) -> dict[str, Any]:
    shown = post.visible
    reply = post.reply_to
    return {
        "id": post.pk,
        "thread": post.thread_id,
        "number": post.number,
        "author": author_of(post.author),
        "html": post.html if shown else "",
        "reply_to": (
            {"id": reply.pk, "number": reply.number, "author": author_of(reply.author)}
            if reply is not None
            else None
        ),
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "hidden": post.hidden_at is not None,
        "deleted": post.deleted_at is not None,
        "reactions": reactions or {},
    }


def thread_shape(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "category": thread.category_id,
        "title": thread.title,
        "author": author_of(thread.author),
        "created_at": thread.created_at,
        "last_posted_at": thread.last_posted_at,
        "posts": thread.last_number,
        "pinned": thread.pinned,
        "locked": thread.locked,
        "open": thread.is_open() and thread.category.is_open(),
        "starts_at": thread.starts_at,
        "ends_at": thread.ends_at,
        "slow_mode_seconds": thread.slow_mode_seconds,
    }


def category_shape(category: Category, for_you: bool) -> dict[str, Any]:
    return {
        "id": category.pk,
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "locale": category.locale,
        "region": category.region,
        "starts_at": category.starts_at,
        "ends_at": category.ends_at,
        "open": category.is_open(),
        "archived": category.archived_at is not None,
        "slow_mode_seconds": category.slow_mode_seconds,
        "for_you": for_you,
    }
