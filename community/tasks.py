"""Background jobs of direct messaging."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from community.models import Membership, Message
from realtime import presence


@shared_task(ignore_result=True)
def email_unread_messages(conversation_id: int, user_id: int) -> bool:
    """Email an offline member about unread messages, at most once per conversation per
    quiet period. Safe to run twice: the claim on ``last_emailed_at`` lets one through."""
    if presence.online(f"user:{user_id}"):
        return False  # came back online meanwhile
    now = timezone.now()
    quiet = timedelta(minutes=settings.DM_EMAIL_QUIET_MINUTES)
    claimed = Membership.objects.filter(
        Q(last_emailed_at__isnull=True) | Q(last_emailed_at__lt=now - quiet),
        conversation_id=conversation_id,
        user_id=user_id,
        user__is_active=True,
        user__email__isnull=False,
    ).update(last_emailed_at=now)
    if not claimed:
        return False
    membership = Membership.objects.select_related("user", "conversation").get(
        conversation_id=conversation_id, user_id=user_id
    )
    unread = (
        Message.objects.filter(
            conversation_id=conversation_id,
            seq__gt=membership.last_read_seq,
            deleted_at__isnull=True,
        )
        .exclude(sender_id=user_id)
        .select_related("sender")
        .order_by("seq")
    )
    lines = [f"{m.sender.public_name()}: {m.body[:300]}" for m in unread[:20]]
    if not lines:
        return False
    user = membership.user
    assert user.email is not None
    send_mail(
        subject=f"You have {len(lines)} unread message(s) on eDietitian",
        message="\n\n".join(lines) + "\n\nReply in the app: /?conversation=" + str(conversation_id),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


@shared_task(ignore_result=True)
def close_ended_forum_windows() -> int:
    """Archive temporal categories and topics whose end has passed (every minute)."""
    from community.forum.services import close_ended_windows

    return close_ended_windows()
