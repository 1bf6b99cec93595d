"""Background jobs of direct messaging."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.mail import send_to_member
from accounts.models import User
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
    messages = list(unread[:20])
    if not messages:
        return False
    subject, body = unread_mail(membership.user, conversation_id, messages)
    return send_to_member(membership.user, subject, body)


def unread_mail(user: User, conversation_id: int, messages: list[Message]) -> tuple[str, str]:
    """(subject, body) of the mail about unread messages: who wrote and a link, and the
    text itself only for members who asked for it (``User.email_message_text``)."""
    link = f"{settings.SITE_URL}/?conversation={conversation_id}"
    names = list(dict.fromkeys(m.sender.public_name() for m in messages))
    who = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    if len(messages) == 1:
        subject = f"You have a new message from {who}"
    else:
        subject = f"You have {len(messages)} new messages from {who}"
    if user.email_message_text:
        lines = [f"{m.sender.public_name()}: {m.body[:300]}" for m in messages]
        return subject, "\n\n".join(lines) + f"\n\nReply in the app: {link}\n"
    return subject, (
        f"{subject} on eDietitian.\n\n"
        f"Read and reply: {link}\n\n"
        "This mail does not hold the message itself. If you would rather have the text "
        "of messages in these mails, you can choose that in your account settings.\n"
    )
