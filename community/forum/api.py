"""The forum over HTTP: the same services as the ``forum.*`` socket actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from accounts import limits
from accounts.bounds import BoundedDatetime
from accounts.permissions import acting_user, signed_in_user
from accounts.schemas import Input
from community.forum import moderation, profiles, reading, search, services
from community.forum.shapes import category_shape, display_name, post_shape
from community.forum.topics import CategoryShape, PostShape, ThreadShape

router = Router(tags=["forum"])
ID = Field(ge=1, le=2**62)


class Page(Input):
    offset: int = Field(default=0, ge=0, le=1_000_000)
    limit: int | None = Field(default=None, ge=1, le=100, description="FORUM_PAGE_SIZE if unset")


class ThreadRow(ThreadShape):
    unread: int


class Posting(Schema):
    """Whether I may post here (a topic in a category, a reply in a topic), and if not why:
    ``code`` is the refusal's (closed, locked, suspended, audience); a suspension says
    ``until`` when and the moderator's ``reason``."""

    allowed: bool
    code: str
    message: str
    until: datetime | None
    reason: str


class ThreadsOut(Schema):
    category: CategoryShape
    threads: list[ThreadRow]
    follow: str = Field(description="my level for the category: muted, normal or watching")
    posting: Posting
    moderator: bool


class PostRow(PostShape):
    hidden_html: str | None = None
    mine: list[str] = Field(default=[], description="the reactions I gave this post")
    author_id: int | None = Field(default=None, description="for moderators only")
    source: str | None = Field(default=None, description="my own posts: the text I wrote")


class PostsOut(Schema):
    thread: ThreadShape
    last_read: int
    moderator: bool
    posts: list[PostRow]
    follow: str = Field(description="my level for the topic: muted, normal or watching")
    posting: Posting


class CategoryIn(Input):
    name: str = Field(max_length=120)
    slug: str = Field(pattern=r"^[a-z0-9-]{2,60}$")
    description: str = Field(default="", max_length=2000)
    locale: str = Field(default="", max_length=16)
    region: str = Field(default="", max_length=16)
    starts_at: BoundedDatetime | None = None
    ends_at: BoundedDatetime | None = None
    position: int = Field(default=0, ge=-10_000, le=10_000)


class ThreadIn(Input):
    title: str = Field(max_length=services.MAX_TITLE)
    body: str = Field(max_length=services.MAX_BODY)
    client_id: str = Field(default="", max_length=64)
    starts_at: BoundedDatetime | None = None
    ends_at: BoundedDatetime | None = None


class PostIn(Input):
    body: str = Field(max_length=services.MAX_BODY)
    reply_to: int | None = Field(default=None, ge=1, le=2**62)
    client_id: str = Field(default="", max_length=64)


class EditIn(Input):
    body: str = Field(max_length=services.MAX_BODY)


class ReactionIn(Input):
    emoji: str = Field(max_length=16)


class FollowIn(Input):
    level: str = Field(max_length=8)
    thread: int | None = Field(default=None, ge=1, le=2**62)
    category: int | None = Field(default=None, ge=1, le=2**62)


class ReadIn(Input):
    number: int = Field(ge=0, le=2**31)


class ProfileIn(Input):
    handle: str | None = Field(default=None, max_length=30)
    name_style: str | None = Field(default=None, max_length=16)


class ProfileOut(Schema):
    handle: str
    name_style: str
    shown_as: str


class SearchQuery(Input):
    q: str = Field(max_length=200)


class HandleQuery(Input):
    q: str = Field(min_length=1, max_length=31)


class Handle(Schema):
    handle: str
    name: str


class Hit(Schema):
    thread: int
    title: str
    category: int
    post: int | None
    excerpt: str


class Revision(Schema):
    html: str
    replaced_at: datetime


# --- reading ---------------------------------------------------------------------------


@router.get("/forum/categories", response=list[CategoryShape])
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    """Every category, those for me (global, my locale and region) first."""
    return services.categories_for(signed_in_user(request))


@router.get("/forum/categories/{category_id}/threads", response=ThreadsOut)
def threads(request: HttpRequest, category_id: int, page: Query[Page]) -> dict[str, Any]:
    """Pinned topics first, then by latest post; ``unread`` counts posts I have not read."""
    limit = reading.page_limit(page.limit)
    return reading.threads_page(signed_in_user(request), category_id, page.offset, limit)


class PostsQuery(Input):
    after: int = Field(default=0, ge=0, le=2**31, description="a post number: newer than it")
    limit: int | None = Field(default=None, ge=1, le=100, description="FORUM_PAGE_SIZE if unset")


@router.get("/forum/threads/{thread_id}/posts", response=PostsOut)
def posts(request: HttpRequest, thread_id: int, query: Query[PostsQuery]) -> dict[str, Any]:
    """Posts in order; page on with ``after`` = the last number seen."""
    limit = reading.page_limit(query.limit)
    return reading.posts_page(signed_in_user(request), thread_id, query.after, limit)


@router.get("/forum/posts/{post_id}/revisions", response=list[Revision])
def revisions(request: HttpRequest, post_id: int) -> list[dict[str, Any]]:
    """A post's earlier texts, oldest first."""
    return services.revisions(signed_in_user(request), post_id)


@router.get("/forum/search", response=list[Hit])
def search_forum(request: HttpRequest, query: Query[SearchQuery]) -> list[dict[str, Any]]:
    return search.search(signed_in_user(request), query.q)


@router.get("/forum/handles", response=list[Handle])
def handles(request: HttpRequest, query: Query[HandleQuery]) -> list[dict[str, str]]:
    """Members to @mention whose handle, or name as the forum shows it, starts with ``q``:
    at most 8, never by e-mail, none I blocked or who blocked me; ``HANDLE_SEARCHES_PER_MINUTE``
    per member (the autocomplete asks as one types; more would list the members)."""
    user = signed_in_user(request)
    limits.charge(user, "handle_search", settings.HANDLE_SEARCHES_PER_MINUTE, 60)
    return profiles.find_handles(user, query.q)


@router.get("/forum/me", response=ProfileOut)
def my_profile(request: HttpRequest) -> dict[str, Any]:
    return _profile_out(signed_in_user(request), None)


@router.patch("/forum/me", response=ProfileOut)
def update_my_profile(request: HttpRequest, payload: ProfileIn) -> dict[str, Any]:
    """My handle (how others @mention me) and how my name is shown: ``full``,
    ``first_initial`` or ``pseudonym`` (the handle alone)."""
    user = signed_in_user(request)
    return _profile_out(user, profiles.update_profile(user, **payload.model_dump()))


class CardField(Schema):
    key: str
    label: str
    value: Any
    text: str


class MemberCard(Schema):
    handle: str
    name: str
    role: str = Field(description="blank for a member posting under a pseudonym")
    fields: list[CardField] = Field(description="the display fields shown to the community")


@router.get("/forum/members/{handle}/card", response=MemberCard)
def member_card(
    request: HttpRequest, handle: str = Path(..., pattern=r"^@?[A-Za-z0-9_]{1,30}$")
) -> dict[str, Any]:
    """A forum author's community card, by handle: name as the forum shows it, role and
    the display fields they show the community (none for a pseudonym).
    ``HANDLE_SEARCHES_PER_MINUTE`` per member, as a look-up of handles."""
    user = signed_in_user(request)
    limits.charge(user, "profile_card", settings.HANDLE_SEARCHES_PER_MINUTE, 60)
    return profiles.member_card(user, handle)


def _profile_out(user: Any, profile: Any) -> dict[str, Any]:
    profile = profile or profiles.profile_of(user)
    return {
        "handle": profile.handle,
        "name_style": profile.name_style,
        "shown_as": display_name(user, profile),
    }


# --- writing ---------------------------------------------------------------------------


@router.post("/forum/categories", response={201: CategoryShape})
def create_category(request: HttpRequest, payload: CategoryIn) -> Status[dict[str, Any]]:
    """Admins only. Blank locale and region: a global category."""
    category = services.create_category(signed_in_user(request), **payload.model_dump())
    return Status(201, category_shape(category, True))


@router.post("/forum/categories/{category_id}/threads", response={201: PostsOut})
def start_thread(
    request: HttpRequest, category_id: int, payload: ThreadIn
) -> Status[dict[str, Any]]:
    """A new topic with its opening post; idempotent by ``client_id``."""
    user = acting_user(request)
    thread, _ = services.start_thread(user, category_id, **payload.model_dump())
    return Status(201, reading.posts_page(user, thread.pk, 0, 1))


@router.post("/forum/threads/{thread_id}/posts", response={201: PostRow})
def reply(request: HttpRequest, thread_id: int, payload: PostIn) -> Status[dict[str, Any]]:
    """A reply, quoting ``reply_to`` if given; idempotent by ``client_id``."""
    post = services.reply(acting_user(request), thread_id, **payload.model_dump())
    return Status(201, post_shape(post))


@router.patch("/forum/posts/{post_id}", response=PostRow)
def edit(request: HttpRequest, post_id: int, payload: EditIn) -> dict[str, Any]:
    user = acting_user(request)
    post = services.edit_post(user, post_id, payload.body)
    shaped = post_shape(post, services.reaction_counts([post.pk]).get(post.pk))
    mine = services.my_reactions(user, [post.pk]).get(post.pk, [])
    return {**shaped, "mine": mine, "source": post.body}


@router.delete("/forum/posts/{post_id}", response={204: None})
def delete(
    request: HttpRequest, post_id: int, reason: str = Query("", max_length=500)
) -> Status[None]:
    """The author deletes their post; a moderator may too, giving ``reason``."""
    moderation.delete_post(acting_user(request), post_id, reason)
    return Status(204, None)


@router.post("/forum/posts/{post_id}/reactions", response=dict[str, int])
def react(request: HttpRequest, post_id: int, payload: ReactionIn) -> dict[str, int]:
    return services.react(acting_user(request), post_id, payload.emoji, True)


@router.delete("/forum/posts/{post_id}/reactions/{emoji}", response=dict[str, int])
def unreact(request: HttpRequest, post_id: int, emoji: str) -> dict[str, int]:
    return services.react(acting_user(request), post_id, emoji[:16], False)


@router.put("/forum/follows", response={204: None})
def follow(request: HttpRequest, payload: FollowIn) -> Status[None]:
    """How closely I follow a topic or a category: ``muted``, ``normal`` or ``watching``."""
    reading.set_follow(
        signed_in_user(request),
        payload.level,
        thread_id=payload.thread,
        category_id=payload.category,
    )
    return Status(204, None)


@router.post("/forum/threads/{thread_id}/read", response=dict[str, int])
def read(request: HttpRequest, thread_id: int, payload: ReadIn) -> dict[str, int]:
    return {"number": reading.mark_read(signed_in_user(request), thread_id, payload.number)}
