"""Who is told of what in the forum: members watching a category hear of its new topics,
those watching a topic of its new posts, authors of the replies that quote them, and
members of the posts that @mention them; one notice per person per post, none from a
topic they muted or from a hidden one. ``services`` calls these after its writes commit."""

from __future__ import annotations

from django.db.models import Q

from community.forum import permissions as perms
from community.models import Follow, ForumProfile, Post, Thread
from notifications.kinds import Kind, register
from notifications.services import notify_many
from realtime.copies import source_key


def notify_new_thread(thread: Thread, post: Post) -> None:
    if thread.hidden_at is not None:
        return
    watchers = set(
        Follow.objects.filter(category=thread.category, level=Follow.Level.WATCHING)
        .exclude(user=thread.author)
        .values_list("user_id", flat=True)
    )
    mentioned = _mentioned(post, exclude={thread.author_id})
    _notify_mentions(thread, post, mentioned)
    if watchers - mentioned:
        notify_many(
            sorted(watchers - mentioned),
            "forum.thread",
            f"New topic: {thread.title}",
            url=_post_url(thread, post),
            data={"thread": thread.pk, "post": post.pk},
            source=source_key("thread", thread.pk),
        )


def notify_post(thread: Thread, post: Post, quoted: Post | None) -> None:
    """One notice per person per post: a mention, else a reply to their post, else a new
    post in a thread they watch. Nobody who muted the thread hears of it."""
    if Thread.objects.filter(pk=thread.pk, hidden_at__isnull=False).exists():
        return  # a hidden topic tells nobody
    levels = dict(
        Follow.objects.filter(thread=thread)
        .exclude(user=post.author)
        .values_list("user_id", "level")
    )
    muted = {pk for pk, level in levels.items() if level == Follow.Level.MUTED}
    mentioned = _mentioned(post, exclude={post.author_id} | muted)
    _notify_mentions(thread, post, mentioned)
    replied = set()
    if quoted is not None and quoted.author_id not in muted | mentioned | {post.author_id}:
        replied = {quoted.author_id}
        _tell(thread, post, sorted(replied), "forum.reply", f"New reply in {thread.title}")
    watching = {pk for pk, level in levels.items() if level == Follow.Level.WATCHING}
    rest = sorted(watching - mentioned - replied)
    if rest:
        _tell(thread, post, rest, "forum.post", f"New post in {thread.title}")


def _mentioned(post: Post, exclude: set[int]) -> set[int]:
    handles = {h.lower() for h in perms.MENTION.findall(post.body)}
    if not handles:
        return set()
    found = ForumProfile.objects.filter(
        Q(*[Q(handle__iexact=h) for h in handles], _connector=Q.OR), user__erased_at__isnull=True
    ).values_list("user_id", flat=True)
    return set(found) - exclude


def _notify_mentions(thread: Thread, post: Post, mentioned: set[int]) -> None:
    if mentioned:
        _tell(
            thread,
            post,
            sorted(mentioned),
            "forum.mention",
            f"You were mentioned in {thread.title}",
        )


def _tell(thread: Thread, post: Post, user_ids: list[int], kind: str, title: str) -> None:
    """A notice about ``post`` to ``user_ids``: its first words, a link, and its source
    (so the notice goes when the post is hidden or deleted)."""
    notify_many(
        user_ids,
        kind,
        title,
        body=post.body[:200],
        url=_post_url(thread, post),
        data={"thread": thread.pk, "post": post.pk},
        source=source_key("post", post.pk),
    )


def _post_url(thread: Thread, post: Post) -> str:
    return f"/forum/t/{thread.pk}#post-{post.number}"


register(
    Kind("forum.mention", "Someone mentioned you in the forum", email=False, mailed=False),
    Kind("forum.reply", "Someone replied to your post", email=False, mailed=False),
    Kind("forum.post", "New post in a thread you watch", email=False, mailed=False),
    Kind("forum.thread", "New thread in a category you watch", email=False, mailed=False),
    Kind(
        "forum.moderation",
        "A moderator acted on your post or account",
        email=False,
        mailed=False,
    ),
)
