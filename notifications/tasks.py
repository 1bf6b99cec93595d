"""Email for notifications whose kind a member wants by email (events, for now)."""

from __future__ import annotations

from celery import shared_task

from accounts.mail import send_to_member
from accounts.models import User


@shared_task(ignore_result=True)
def email_notice(user_id: int, subject: str, body: str) -> bool:
    """One email to one active member with a verified address (``accounts.mail``).
    Safe to run again: it only sends."""
    user = User.objects.filter(pk=user_id).first()
    return user is not None and send_to_member(user, subject, body)
