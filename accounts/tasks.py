"""Account mail: the verification link, and "you already have an account"."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from accounts.mail import send_to_member
from accounts.models import User
from accounts.verification import verification_url

VERIFY_SUBJECT = "Confirm your e-mail address for eDietitian"
EXISTS_SUBJECT = "You already have an eDietitian account"


@shared_task(ignore_result=True)
def send_account_mail(user_id: int, kind: str) -> bool:
    """Mail ``kind`` ("verify" or "exists") to an account. Safe to run again."""
    if kind not in ("verify", "exists"):
        raise ValueError(f"unknown account mail {kind!r}")
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    if user.email_verified_at is None:
        # An address nobody verified gets the link (again), never anything else.
        return send_to_member(user, VERIFY_SUBJECT, _verify_body(user), verification=True)
    if kind == "exists":
        return send_to_member(user, EXISTS_SUBJECT, _exists_body())
    return False  # verified meanwhile


def _verify_body(user: User) -> str:
    """Nothing a member wrote: whoever signed up may not be the owner of the address, so
    the mail carries no display name, only our words and the link."""
    days = settings.EMAIL_VERIFICATION_DAYS
    return (
        "Hello,\n\n"
        "Please confirm that this address is yours by opening this link "
        f"within {days} day{'s' if days != 1 else ''}:\n\n"
        f"{verification_url(user)}\n\n"
        "Until you do, you cannot sign in and eDietitian sends you no other mail. If you "
        "did not create an eDietitian account, ignore this message.\n"
    )


def _exists_body() -> str:
    return (
        "Hello,\n\n"
        "Someone, perhaps you, tried to create an eDietitian account with this address. "
        "You already have one, so nothing was created and nothing changed.\n\n"
        f"Sign in at {settings.SITE_URL}/login. If you no longer know your password, "
        "ask the eDietitian team to reset it.\n\n"
        "If this was not you, you can ignore this message.\n"
    )
