"""``forum:{category}`` (its new topics and changes to them) and ``thread:{id}`` (a
topic's posts, edits, reactions and moderation): their event schemas, which the HTTP
API answers with too, and the forum's socket actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from accounts.bounds import id_from_key
from accounts.models import User
from community.forum import permissions as perms
from community.forum import reading, services
from community.forum.shapes import present_authors
from community.models import Category, Thread
from core.errors import ServiceError
from realtime.registry import Action, ActionSchema, EventSchema, TopicKind, registry

# --- events ----------------------------------------------------------------------------


class Author(EventSchema):
    handle: str
    name: str


class PostRef(EventSchema):
    id: int
    number: int
    author: Author


class PostShape(EventSchema):
    id: int
    thread: int
    number: int
    author: Author
    html: str
    reply_to: PostRef | None
    created_at: datetime
    edited_at: datetime | None
    hidden: bool
    deleted: bool
    reactions: dict[str, int]


class ThreadShape(EventSchema):
    id: int
    category: int
    title: str
    author: Author
    created_at: datetime
    last_posted_at: datetime
    posts: int
    pinned: bool
    locked: bool
    open: bool
    starts_at: datetime | None
    ends_at: datetime | None
    slow_mode_seconds: int


class PostEdited(EventSchema):
    id: int
    thread: int
    html: str
    edited_at: datetime
    revisions: int


class PostGone(EventSchema):
    """``post.hidden`` and ``post.deleted``: the post's text is no longer shown."""

    id: int
    thread: int
    reason: str


class ReactionUpdated(EventSchema):
    post: int
    thread: int
    reactions: dict[str, int]


class ThreadUpdated(EventSchema):
    thread: ThreadShape
    change: str
    hidden: bool
    deleted: bool


class ThreadRemoved(EventSchema):
    """On ``forum:{category}``: a topic hidden or deleted by a moderator."""

    thread: int
    change: str


class ThreadCreated(EventSchema):
    thread: ThreadShape


class CategoryShape(EventSchema):
    id: int
    name: str
    slug: str
    description: str
    locale: str
    region: str
    starts_at: datetime | None
    ends_at: datetime | None
    open: bool
    archived: bool
    slow_mode_seconds: int
    for_you: bool


class CategoryUpdated(EventSchema):
    category: CategoryShape
    change: str


# --- actions ---------------------------------------------------------------------------


class ReplyIn(ActionSchema):
    thread: int = Field(ge=1, le=2**62)
    body: str = Field(max_length=services.MAX_BODY)
    reply_to: int | None = Field(default=None, ge=1, le=2**62)


class ReactIn(ActionSchema):
    post: int = Field(ge=1, le=2**62)
    emoji: str = Field(max_length=16)
    on: bool = True


class ReadIn(ActionSchema):
    thread: int = Field(ge=1, le=2**62)
    number: int = Field(ge=0, le=2**31)


def reply(user: User, payload: ReplyIn, client_id: str) -> dict[str, Any]:
    post = services.reply(
        user, payload.thread, payload.body, reply_to=payload.reply_to, client_id=client_id
    )
    return {"post": post.pk, "thread": post.thread_id, "number": post.number}


def react(user: User, payload: ReactIn, client_id: str) -> dict[str, Any]:
    """The ack has the counts and ``mine``: the reactions this member now gives the post
    (the ``reaction.updated`` event, sent to every follower, has the counts only)."""
    counts = services.react(user, payload.post, payload.emoji, payload.on)
    mine = services.my_reactions(user, [payload.post]).get(payload.post, [])
    return {"post": payload.post, "reactions": counts, "mine": mine}


def read(user: User, payload: ReadIn, client_id: str) -> dict[str, Any]:
    return {
        "thread": payload.thread,
        "number": reading.mark_read(user, payload.thread, payload.number),
    }


def can_follow_category(user: User, key: str) -> bool:
    """Every signed-in member may browse every category."""
    category_id = id_from_key(key)
    return category_id is not None and Category.objects.filter(pk=category_id).exists()


def can_follow_thread(user: User, key: str) -> bool:
    thread_id = id_from_key(key)
    if thread_id is None:
        return False
    thread = Thread.objects.select_related("category").filter(pk=thread_id).first()
    if thread is None:
        return False
    try:
        perms.check_visible_thread(user, thread)
    except ServiceError:
        return False
    return True


registry.add_topic_kind(
    TopicKind("forum", can_follow_category, durable=True, on_replay=present_authors)
)
# No presence: who reads a topic is theirs to know (a pseudonymous author stays one).
registry.add_topic_kind(
    TopicKind("thread", can_follow_thread, durable=True, on_replay=present_authors)
)
events: list[tuple[str, type[EventSchema]]] = [
    ("thread.removed", ThreadRemoved),
    ("category.updated", CategoryUpdated),
    ("post.hidden", PostGone),
    ("post.deleted", PostGone),
    ("reaction.updated", ReactionUpdated),
]
for name, schema in events:
    registry.add_event(name, schema)
# The events that carry a member's words, and which words (realtime.copies).
TITLE = ("thread.title", "thread.author.handle", "thread.author.name")
registry.add_event("thread.created", ThreadCreated, text=TITLE, source=("thread", "thread.id"))
registry.add_event("thread.updated", ThreadUpdated, text=TITLE, source=("thread", "thread.id"))
for name, schema in (
    ("post.created", PostShape),
    ("post.edited", PostEdited),
    ("post.restored", PostShape),
):
    registry.add_event(name, schema, text=("html",), source=("post", "id"))
registry.add_action(Action("forum.reply", ReplyIn, reply))
registry.add_action(Action("forum.react", ReactIn, react))
registry.add_action(Action("forum.read", ReadIn, read, needs_client_id=False))
