"""E-mail verification: a signed link, valid ``EMAIL_VERIFICATION_DAYS``, proves the
member reads mail at their address. Until then the platform mails that address nothing
else (``accounts.mail``).

Account mail (the link, and "you already have an account") is limited to
``ACCOUNT_MAILS_PER_HOUR`` per account, so sign-up and resend cannot be used to flood
someone's inbox. An unverified account cannot sign in (``accounts.signin``), so a new link
is asked for by address (``resend_verification_to``), which answers the same for every
address.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from accounts import limits
from accounts.identity import normalize_email
from accounts.models import User
from core.errors import Conflict, RateLimited, ServiceError

SALT = "accounts.verify-email"


def mail_window() -> limits.Window:
    return limits.Window("account_mail", settings.ACCOUNT_MAILS_PER_HOUR, 3600)


def sign_up_window() -> limits.Window:
    """Sign-ups and requests for a new link by address, per client, in an hour."""
    return limits.Window("sign_up_client", settings.SIGN_UPS_PER_HOUR, 3600)


def check_sign_up_allowed(client: str) -> None:
    """Count one sign-up (or request for a link by address) of ``client``
    (``signin.client_key``); 429 past ``SIGN_UPS_PER_HOUR``. Counted before any account
    is looked up, so the limit is the same for every address and tells nothing."""
    wait = limits.take(sign_up_window(), client)
    if wait is not None:
        raise RateLimited(wait, f"too many sign-ups from here; try again in {wait:.0f} s")


def verification_token(user: User) -> str:
    """A signed, timestamped token naming the account and the address it verifies."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=SALT, compress=True)


def verification_url(user: User) -> str:
    return f"{settings.SITE_URL}/verify-email?token={verification_token(user)}"


def user_for_token(token: str) -> User:
    """The account a verification token names; a clear 400 when it is not valid."""
    if len(token) > 1024:
        raise ServiceError("this link is not valid", code="invalid_link")
    try:
        claims = signing.loads(token, salt=SALT, max_age=settings.EMAIL_VERIFICATION_DAYS * 86400)
    except signing.SignatureExpired:
        raise ServiceError(
            "this link has expired; ask for a new one with your address", code="link_expired"
        ) from None
    except signing.BadSignature:
        raise ServiceError("this link is not valid", code="invalid_link") from None
    user = None
    if isinstance(claims, dict) and isinstance(claims.get("u"), int):
        user = User.objects.filter(pk=claims["u"], is_active=True).first()
    if user is None or not user.email or claims.get("e") != user.email:
        raise ServiceError("this link is not valid", code="invalid_link")
    return user


def verify_email(token: str) -> User:
    """Mark the address a token names verified (again: no change)."""
    user = user_for_token(token)
    if user.email_verified_at is None:
        now = timezone.now()
        User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(
            email_verified_at=now
        )
        user.email_verified_at = now
    return user


def queue_account_mail(user: User, kind: str) -> bool:
    """Queue ``kind`` ("verify" or "exists") for ``user`` once the transaction commits,
    unless the account had its share of account mail this hour. Whether it was queued."""
    from accounts.tasks import send_account_mail  # the task module imports this one

    if limits.take(mail_window(), limits.account_key(user)) is not None:
        return False
    user_id = user.pk
    # robust: a broker outage costs this mail, never the sign-up.
    transaction.on_commit(lambda: send_account_mail.delay(user_id, kind), robust=True)
    return True


def resend_verification(user: User) -> None:
    """Send the signed-in member a new link (409 when verified, 429 when too often)."""
    if user.email_verified_at is not None:
        raise Conflict("your e-mail address is verified already", code="already_verified")
    if not user.email:
        raise ServiceError("this account has no e-mail address", code="no_email")
    wait = limits.retry_after(mail_window(), limits.account_key(user))
    if wait is not None or not queue_account_mail(user, "verify"):
        wait = wait or 60.0
        raise RateLimited(wait, f"a link was sent lately; ask again in {wait:.0f} s")


def resend_verification_to(email: str, *, client: str) -> str:
    """Mail a new link to ``email`` if it is an account's and not verified yet (within
    the account's mail limit); otherwise nothing, and the caller answers the same. The
    client is held to ``SIGN_UPS_PER_HOUR``. Returns the address, normalised (400 for one
    ``accounts.identity`` refuses)."""
    email = normalize_email(email)
    check_sign_up_allowed(client)
    user = User.objects.filter(email=email, is_active=True).first()
    if user is not None and user.email_verified_at is None:
        queue_account_mail(user, "verify")
    return email
