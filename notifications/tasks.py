"""Email for notifications whose kind a member wants by email (events, for now)."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import send_mail

from accounts.models import User


@shared_task(ignore_result=True)
def email_notice(user_id: int, subject: str, body: str) -> bool:
    """One email to one active member with an address. Safe to run again: it only sends."""
    user = User.objects.filter(pk=user_id, is_active=True, email__isnull=False).first()
    if user is None or not user.email:
        return False
    send_mail(subject=subject[:200], message=body, from_email=None, recipient_list=[user.email])
    return True
