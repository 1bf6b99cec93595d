"""A member's forum profile: the handle others @mention them by (a random one until they
choose, so it says nothing about who they are) and the style their name is shown in.
Every thread and post write makes sure the author has one."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import Block, User
from community.forum import permissions as perms
from community.forum.shapes import display_name
from community.models import ForumProfile
from core.errors import Conflict, NotFound, ServiceError
from profiles.cards import card_fields

DEFAULT_HANDLE_PREFIX = "member_"


def profile_of(user: User) -> ForumProfile:
    """The member's forum profile, made on first use with a random handle such as
    ``member_3fa81c`` (random, so it says nothing about who they are)."""
    profile = ForumProfile.objects.filter(user=user).first()
    for _ in range(5):
        if profile is not None:
            break
        try:
            with transaction.atomic():
                profile = ForumProfile.objects.create(
                    user=user, handle=DEFAULT_HANDLE_PREFIX + secrets.token_hex(3)
                )
        except IntegrityError:  # the handle was taken, or another request made the profile
            profile = ForumProfile.objects.filter(user=user).first()
    if profile is None:
        raise Conflict("could not make a forum profile; try again", code="try_again")
    user.forum_profile = profile
    return profile


def update_profile(user: User, *, handle: str | None, name_style: str | None) -> ForumProfile:
    profile = profile_of(user)
    if handle is not None:
        if not perms.MENTION.fullmatch("@" + handle):
            raise ServiceError(
                "a handle is 3 to 30 letters, digits or underscores", code="invalid_field"
            )
        if handle.lower().startswith(DEFAULT_HANDLE_PREFIX) and handle != profile.handle:
            raise ServiceError(
                f"handles starting with {DEFAULT_HANDLE_PREFIX} are given, not chosen",
                code="invalid_field",
            )
        taken = ForumProfile.objects.filter(handle__iexact=handle).exclude(pk=profile.pk)
        if taken.exists():
            raise Conflict("this handle is taken", code="handle_taken")
        profile.handle = handle
    if name_style is not None:
        if name_style not in ForumProfile.NameStyle.values:
            raise ServiceError("unknown name style", code="invalid_field")
        profile.name_style = name_style
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        raise Conflict("this handle is taken", code="handle_taken") from None
    return profile


MAX_HANDLES = 8


def find_handles(user: User, query: str, limit: int = MAX_HANDLES) -> list[dict[str, str]]:
    """Members to @mention, as ``user`` types: a handle, or a name as the forum shows it,
    that starts with ``query``. Never by e-mail, never a name a member keeps to themselves
    (a pseudonym matches by its handle only; "first name and initial" by the first name),
    and nobody on either side of a block."""
    query = query.strip().lstrip("@")
    if not 1 <= len(query) <= 30 or "\x00" in query:
        raise ServiceError("type 1 to 30 characters of a handle or name", code="invalid_field")
    styles = ForumProfile.NameStyle
    match = Q(handle__istartswith=query) | Q(
        name_style=styles.FULL, user__display_name__istartswith=query
    )
    if " " in query:
        match |= Q(name_style=styles.FULL, user__display_name__icontains=" " + query)
    else:
        match |= Q(name_style=styles.FIRST_INITIAL, user__display_name__istartswith=query) | Q(
            name_style=styles.FULL, user__display_name__icontains=" " + query
        )
    blocked = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list(
        "blocker_id", "blocked_id"
    )
    hidden = {pk for pair in blocked for pk in pair} | {user.pk}
    found = (
        ForumProfile.objects.filter(match, user__is_active=True)
        .exclude(user_id__in=hidden)
        .select_related("user")
        .order_by("handle")[:limit]
    )
    return [{"handle": p.handle, "name": display_name(p.user, p)} for p in found]


def member_card(viewer: User, handle: str, *, locale: str | None = None) -> dict[str, Any]:
    """A forum author's card, found by the handle the forum shows (never by user id): the
    name as the forum shows it, and the role and display fields the member shows the
    community (``profiles.cards``, audited when it shows any). A member who posts under a
    pseudonym shows neither here: their card would say who the pseudonym is."""
    profile = (
        ForumProfile.objects.filter(
            handle__iexact=handle.strip().lstrip("@"),
            user__is_active=True,
            user__erased_at__isnull=True,
        )
        .select_related("user")
        .first()
    )
    if profile is None:
        raise NotFound("no such member")
    user = profile.user
    pseudonym = profile.name_style == ForumProfile.NameStyle.PSEUDONYM
    return {
        "handle": profile.handle,
        "name": display_name(user, profile),
        "role": "" if pseudonym else user.role,
        "fields": [] if pseudonym else card_fields(viewer, [user.pk], locale=locale)[user.pk],
    }
