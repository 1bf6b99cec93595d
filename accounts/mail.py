"""Mail to members: the one place it is sent from.

An address nobody has verified gets nothing but the verification mail, so nobody can
make the platform send their text to someone else's address. Every task that mails a
member (notices, unread messages, account mail) sends through ``send_to_member``.
"""

from __future__ import annotations

import logging

from django.core.mail import send_mail

from accounts.models import User

logger = logging.getLogger(__name__)


def may_mail(user: User) -> bool:
    """Whether ``user`` may be sent mail other than the verification link."""
    return bool(user.is_active and user.email and user.email_verified_at is not None)


def send_to_member(user: User, subject: str, body: str, *, verification: bool = False) -> bool:
    """Send one plain-text mail to ``user``; False when the rules forbid it.

    ``verification``: this is the mail that verifies the address, the only one an
    unverified address is sent.
    """
    if not (user.is_active and user.email):
        return False
    if not verification and user.email_verified_at is None:
        logger.info("not mailing user %s: address not verified", user.pk)
        return False
    send_mail(
        subject=" ".join(subject.split())[:200],
        message=body,
        from_email=None,
        recipient_list=[user.email],
    )
    return True
