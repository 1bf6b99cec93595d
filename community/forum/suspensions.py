"""Suspensions: who may suspend whom (admins anyone but admins, moderators customers of
the regions and locales they moderate), suspending a member from the forum for a while,
and lifting it early. A suspension stops posting, new topics, edits and reactions until
it ends; the member's open sockets act with it at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import record_access
from accounts.models import User
from accounts.roles import Role
from accounts.signals import narrow_rights
from community.forum.moderation import clean_reason, log_action, tell_member
from community.models import ModeratorScope, Suspension
from core.errors import Forbidden, NotFound, ServiceError

MAX_SUSPENSION_DAYS = 365


def can_suspend(moderator: User, member: User) -> bool:
    """Admins suspend anyone but admins; moderators suspend customers, and a scoped
    moderator only customers of a region or locale they moderate."""
    if member.role == Role.ADMIN or member.pk == moderator.pk:
        return False
    if moderator.role == Role.ADMIN:
        return True
    if moderator.role != Role.MODERATOR or member.role != Role.CUSTOMER:
        return False
    for scope in ModeratorScope.objects.filter(moderator=moderator, category__isnull=True):
        if (not scope.region or scope.region == member.region) and (
            not scope.locale or scope.locale == member.locale
        ):
            return True
    return False


def suspend(moderator: User, member_id: int, hours: float, reason: str) -> Suspension:
    reason = clean_reason(reason)
    member = User.objects.filter(pk=member_id).first()
    if member is None:
        raise NotFound("no such user")
    if not can_suspend(moderator, member):
        raise Forbidden("you cannot suspend this member", code="not_your_scope")
    if not 0 < hours <= MAX_SUSPENSION_DAYS * 24:
        raise ServiceError(
            f"a suspension lasts up to {MAX_SUSPENSION_DAYS} days", code="invalid_field"
        )
    with transaction.atomic():
        made = Suspension.objects.create(
            user=member, until=timezone.now() + timedelta(hours=hours), reason=reason, by=moderator
        )
        log_action(moderator, "suspend", "user", member.pk, reason, None, hours=hours)
        record_access(moderator, [member], "suspend", "forum", "http")
        narrow_rights([member.pk])  # open sockets act with the suspension at once
        tell_member(member.pk, "You are suspended from the forum", reason, None)
    return made


def lift_suspension(moderator: User, suspension_id: int, reason: str) -> Suspension:
    reason = clean_reason(reason)
    made = Suspension.objects.select_related("user").filter(pk=suspension_id).first()
    if made is None or made.lifted_at is not None:
        raise NotFound("no such suspension")
    if not can_suspend(moderator, made.user):
        raise Forbidden("you cannot lift this suspension", code="not_your_scope")
    with transaction.atomic():
        made.lifted_at = timezone.now()
        made.save(update_fields=["lifted_at"])
        log_action(moderator, "lift_suspension", "user", made.user_id, reason, None)
        record_access(moderator, [made.user_id], "lift suspension", "forum", "http")
    return made


def active_suspensions(moderator: User, limit: int = 100) -> list[dict[str, Any]]:
    """The suspensions in force that ``moderator`` may lift, the soonest to end first."""
    if moderator.role not in (Role.MODERATOR, Role.ADMIN):
        raise Forbidden("moderators only")
    found = (
        Suspension.objects.filter(until__gt=timezone.now(), lifted_at__isnull=True)
        .select_related("user")
        .order_by("until")[: limit * 2]
    )
    shown = [s for s in found if can_suspend(moderator, s.user)][:limit]
    # Who is suspended, and why, is about each of them: every one listed is in their log.
    record_access(moderator, [s.user_id for s in shown], "list", "forum suspensions", "http")
    return [
        {
            "id": s.pk,
            "user": s.user_id,
            "name": s.user.public_name(),
            "until": s.until,
            "reason": s.reason,
        }
        for s in shown
    ]
