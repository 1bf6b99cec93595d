"""What the forum keeps about a member.

In the download: the topics and posts they wrote (their words, as they wrote them in
Markdown, hidden or deleted ones too, marked so), their forum name, their reactions,
follows, read positions, the flags they raised and the suspensions they were given.

On erasure: their topics, posts and the posts' edit history stay for the others, by "a
deleted member" under a handle given then (a random one, as every member has before they
choose: the one they chose is not kept, nobody can @mention them any more). The stored
events that named them as an author, or as the author a reply quotes, name the erased
member. Their reactions, follows, read positions, suspensions and moderator scopes go.
Flags they raised stay for the moderators (with their note), by id; so does the
moderation log of what they did as a moderator (append-only)."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import User
from accounts.personal_data import Part, Table, register
from community.forum.profiles import DEFAULT_HANDLE_PREFIX
from community.forum.shapes import author_of
from community.models import (
    Flag,
    Follow,
    ForumProfile,
    ModeratorScope,
    Post,
    Reaction,
    ReadPosition,
    Suspension,
    Thread,
)
from realtime.copies import rewrite, source_key


def export_forum(user: User) -> list[Part]:
    profile = ForumProfile.objects.filter(user=user).first()
    threads = Thread.objects.filter(author=user).select_related("category").order_by("id")
    posts = Post.objects.filter(author=user).select_related("thread").order_by("id")
    return [
        Table(
            "forum-name",
            [{"handle": profile.handle, "name_style": profile.name_style}] if profile else [],
            columns=("handle", "name_style"),
        ),
        Table(
            "forum-topics",
            [
                {
                    "id": t.pk,
                    "category": t.category.name,
                    "title": t.title,
                    "created_at": t.created_at,
                    "hidden": t.hidden_at is not None,
                    "deleted": t.deleted_at is not None,
                    "url": f"/forum/t/{t.pk}",
                }
                for t in threads
            ],
            columns=("id", "category", "title", "created_at", "hidden", "deleted", "url"),
        ),
        Table(
            "forum-posts",
            [
                {
                    "id": p.pk,
                    "topic": p.thread_id,
                    "topic_title": p.thread.title,
                    "number": p.number,
                    "reply_to": p.reply_to_id,
                    "created_at": p.created_at,
                    "edited_at": p.edited_at,
                    "hidden": p.hidden_at is not None,
                    "deleted": p.deleted_at is not None,
                    "body": p.body,
                }
                for p in posts
            ],
            columns=(
                "id",
                "topic",
                "topic_title",
                "number",
                "reply_to",
                "created_at",
                "edited_at",
                "hidden",
                "deleted",
                "body",
            ),
        ),
        Table(
            "forum-reactions",
            [
                {"post": r.post_id, "emoji": r.emoji, "at": r.created_at}
                for r in Reaction.objects.filter(user=user).order_by("id")
            ],
            columns=("post", "emoji", "at"),
        ),
        Table(
            "forum-follows",
            [
                {"topic": f.thread_id, "category": f.category_id, "level": f.level}
                for f in Follow.objects.filter(user=user).order_by("id")
            ],
            columns=("topic", "category", "level"),
        ),
        Table(
            "forum-read-positions",
            [
                {"topic": r.thread_id, "last_read": r.last_read_number}
                for r in ReadPosition.objects.filter(user=user).order_by("id")
            ],
            columns=("topic", "last_read"),
        ),
        Table(
            "forum-flags",
            [
                {
                    "post": f.post_id,
                    "reason": f.reason,
                    "note": f.note,
                    "at": f.created_at,
                    "outcome": f.outcome,
                }
                for f in Flag.objects.filter(flagged_by=user).order_by("id")
            ],
            columns=("post", "reason", "note", "at", "outcome"),
        ),
        Table(
            "forum-suspensions",
            [
                {
                    "from": s.created_at,
                    "until": s.until,
                    "reason": s.reason,
                    "lifted_at": s.lifted_at,
                }
                for s in Suspension.objects.filter(user=user).order_by("id")
            ],
            columns=("from", "until", "reason", "lifted_at"),
        ),
    ]


def erase_forum(user: User) -> None:
    _forget_handle(user)
    Reaction.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()
    ReadPosition.objects.filter(user=user).delete()
    Suspension.objects.filter(user=user).delete()
    ModeratorScope.objects.filter(moderator=user).delete()
    _name_them_erased_in_events(user)


def _forget_handle(user: User) -> None:
    """The chosen handle goes: a given one takes its place (the profile stays, so their
    posts keep an author shown as erased)."""
    profile = ForumProfile.objects.filter(user=user).first()
    if profile is None:
        return
    for _ in range(5):
        try:
            with transaction.atomic():
                ForumProfile.objects.filter(pk=profile.pk).update(
                    handle=DEFAULT_HANDLE_PREFIX + secrets.token_hex(4),
                    name_style=ForumProfile.NameStyle.FIRST_INITIAL,
                )
            break
        except IntegrityError:  # the random handle was taken: another one
            continue
    user.forum_profile = ForumProfile.objects.get(pk=profile.pk)


def _name_them_erased_in_events(user: User) -> None:
    """Stored events of their topics and posts, and of replies quoting their posts, name
    the author as shown now (erased). Authors blanked with their text stay blank."""
    post_ids = set(Post.objects.filter(author=user).values_list("pk", flat=True))
    thread_ids = set(Thread.objects.filter(author=user).values_list("pk", flat=True))
    if not post_ids and not thread_ids:
        return
    now = author_of(user)
    mine = {source_key("post", pk) for pk in post_ids}

    def shown(author: dict[str, Any]) -> dict[str, Any]:
        return author if not author.get("handle") else now

    def name_them(event: str, data: dict[str, Any]) -> dict[str, Any]:
        if event in ("thread.created", "thread.updated"):
            data["thread"]["author"] = shown(data["thread"]["author"])
            return data
        if f"post:{data.get('id')}" in mine and "author" in data:
            data["author"] = shown(data["author"])
        reply = data.get("reply_to")
        if reply and reply.get("id") in post_ids:
            reply["author"] = shown(reply["author"])
        return data

    rewrite(
        Q(source__in=sorted(mine | {source_key("thread", pk) for pk in thread_ids}))
        | Q(type__in=("post.created", "post.restored"), data__reply_to__id__in=sorted(post_ids)),
        name_them,
    )


register(
    "community.forum",
    models=(
        "community.Thread",
        "community.Post",
        "community.PostRevision",
        "community.Reaction",
        "community.Follow",
        "community.ReadPosition",
        "community.ForumProfile",
        "community.Flag",
        "community.ModeratorScope",
        "community.Suspension",
        "community.ModerationLogEntry",
    ),
    export=export_forum,
    erase=erase_forum,
    keeps="their topics, posts and edit history (for the others, by 'a deleted member'), "
    "flags they raised and the moderation log (by id)",
)
