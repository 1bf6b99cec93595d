"""Every write to accounts, and the rules around them."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts import limits, tokens
from accounts.audit import record_access
from accounts.cognito import get_verifier, roles_from_groups
from accounts.identity import (
    clean_display_name,
    identity_key,
    normalize_email,
    normalized_or_none,
    scrub_display_name,
)
from accounts.models import ErasedIdentity, User
from accounts.permissions import (
    check_can_manage_user,
    check_can_view_account,
    check_staff,
    filter_manageable_users,
)
from accounts.regions import is_region, region_change_allowed_from, time_zones
from accounts.roles import STAFF_ROLES, Role
from accounts.signals import SESSION_AUTH_AT, SIGN_UP_CONSENTS, revoke_access, signed_up
from accounts.verification import check_sign_up_allowed, queue_account_mail
from core.errors import (
    Conflict,
    Forbidden,
    InvalidToken,
    RateLimited,
    ServiceError,
    TooSoon,
)

logger = logging.getLogger(__name__)

LOCALE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _check_profile_fields(fields: dict[str, Any]) -> None:
    if "display_name" in fields:
        fields["display_name"] = clean_display_name(fields["display_name"])
    if "locale" in fields and not LOCALE_RE.match(fields["locale"]):
        raise ServiceError(
            "locale must be a language tag such as 'en' or 'fr-CA'",
            code="invalid_field",
            field="locale",
        )
    if "region" in fields and fields["region"] and not is_region(fields["region"]):
        raise ServiceError(
            "region must be one of the regions listed (GET /api/regions), or blank",
            code="invalid_field",
            field="region",
        )
    if "time_zone" in fields and fields["time_zone"] not in time_zones():
        raise ServiceError(
            "time_zone must be an IANA zone such as 'America/Toronto'",
            code="invalid_field",
            field="time_zone",
        )


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), code="weak_password") from None


def _check_consents(consents: Mapping[str, Any] | None) -> dict[str, bool]:
    """Each question of ``SIGN_UP_CONSENTS`` answered true or false: a missing answer is
    not a no (health data needs explicit consent)."""
    answers = consents if isinstance(consents, Mapping) else {}
    for purpose in SIGN_UP_CONSENTS:
        if not isinstance(answers.get(purpose), bool):
            raise ServiceError(
                f"answer the consent question '{purpose}' with yes or no",
                code="invalid_field",
                field=f"consents.{purpose}",
            )
    unknown = sorted(set(answers) - set(SIGN_UP_CONSENTS))
    if unknown:
        raise ServiceError(
            f"no consent question '{unknown[0]}'",
            code="invalid_field",
            field=f"consents.{unknown[0]}",
        )
    return {purpose: bool(answers[purpose]) for purpose in SIGN_UP_CONSENTS}


def sign_up(
    *,
    email: str,
    password: str,
    display_name: str,
    client: str,
    consents: Mapping[str, Any] | None,
    **profile: Any,
) -> str:
    """Create a local customer account, unverified, and mail it the verification link.

    The answer (the address, normalized) is the same whether or not the address is
    registered, so sign-up tells nobody who has an account: for a registered address
    nothing is created and its owner is mailed "you already have an account" instead.
    ``client`` (``signin.client_key``) is held to ``SIGN_UPS_PER_HOUR`` once the input is
    valid. Other roles are granted by an admin.

    ``consents`` answers each consent question (``SIGN_UP_CONSENTS``) true or false; the
    answers go, in the transaction that makes the account, to whoever hears ``signed_up``
    (``profiles`` records them).
    """
    email = normalize_email(email)
    fields = {"display_name": display_name, **profile}
    _check_profile_fields(fields)
    answers = _check_consents(consents)
    candidate = User(email=email, **fields)
    _check_password(password, candidate)
    check_sign_up_allowed(client)
    existing = User.objects.filter(email=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email, password, role=Role.CUSTOMER, email_verified_at=None, **fields
                )
                signed_up.send(sender=User, user=user, consents=answers)
                queue_account_mail(user, "verify")
            return email
        except IntegrityError:  # the same address signed up at the same moment
            existing = User.objects.filter(email=email).first()
    else:
        candidate.set_password(password)  # as long as creating one: timing tells nothing
    if existing is not None:
        queue_account_mail(existing, "exists")
    return email


def session_is_current(session_auth_at: float | None, user: User) -> bool:
    """A session started before the user's last revocation no longer counts."""
    if not user.is_active:
        return False
    if user.access_valid_after is None:
        return True
    return session_auth_at is not None and session_auth_at >= user.access_valid_after.timestamp()


def issued_before_revocation(issued_at: float, user: User) -> bool:
    return user.access_valid_after is not None and issued_at < user.access_valid_after.timestamp()


def log_out(request: HttpRequest, user: User) -> None:
    """Sign out everywhere: this session, other sessions, tokens and open sockets."""
    with transaction.atomic():
        revoke_access(user)
    logout(request)


def password_check_window() -> limits.Window:
    """Wrong current passwords per account, as many as failed sign-ins of an unknown
    client: a stolen session or token must not become a way to guess the password."""
    return limits.Window(
        "password_check", settings.SIGN_IN_ACCOUNT_FAILURES, settings.SIGN_IN_WINDOW_SECONDS
    )


def check_current_password(user: User, password: str, *, field: str | None = None) -> None:
    """Refuse (403 ``bad_credentials``) a wrong password of the signed-in ``user``, within
    ``password_check_window``: 429 before looking at it once the account has used its
    failures. For changes that ask for the password again (a new one, erasure)."""
    account = limits.account_key(user)
    wait = limits.retry_after(password_check_window(), account)
    if wait is not None:
        raise RateLimited(wait, f"too many wrong current passwords; try again in {wait:.0f} s")
    if not user.check_password(password):
        limits.count(password_check_window(), account)
        raise Forbidden("the current password is wrong", code="bad_credentials", field=field)


def change_password(
    request: HttpRequest | None, user: User, current_password: str, new_password: str
) -> None:
    """Check the current password (``check_current_password``), then set the new one."""
    check_current_password(user, current_password)
    _check_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])  # ends other access: accounts.signals
        if request is not None and hasattr(request, "session"):
            # Keep the session the change was made from; everything else is signed out.
            # Before the commit, which closes the sockets: a page whose socket closes asks
            # whether its session still counts, and must not find the old one to sign out.
            update_session_auth_hash(request, user)
            request.session[SESSION_AUTH_AT] = time.time()


def set_active(actor: User, user: User, active: bool, *, door: str = "http") -> User:
    check_can_manage_user(actor, user)
    if actor.pk == user.pk and not active:
        raise ServiceError("you cannot deactivate your own account", code="self_deactivation")
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])  # ends access either way: accounts.signals
        action = "activate" if active else "deactivate"
        record_access(actor, [user], action, "account", door)
    return user


def set_role(actor: User, user: User, role: str, *, door: str = "http") -> User:
    check_can_manage_user(actor, user)
    if role not in Role.values:
        raise ServiceError(f"role must be one of {', '.join(Role.values)}", code="invalid_field")
    if user.cognito_sub:
        raise Conflict(
            "this account's role comes from its Cognito groups; change it in the user pool",
            code="role_managed_by_cognito",
        )
    with transaction.atomic():
        user.role = role
        user.is_superuser = user.is_superuser and role == Role.ADMIN
        # A changed role reaches open sockets from the save (accounts.signals).
        user.save(update_fields=["role", "is_superuser"])
        record_access(actor, [user], "change", "role", door)
    return user


def view_account(actor: User, user: User, *, door: str = "http") -> User:
    """One account, as ``actor`` may see it; a read by someone else is audited."""
    check_can_view_account(actor, user)
    record_access(actor, [user], "view", "account", door)
    return user


def list_accounts(
    actor: User, *, role: str | None, limit: int, offset: int, door: str = "http"
) -> tuple[list[User], int]:
    """A page of the accounts ``actor`` may manage, and how many there are in all. Every
    listed account gets an entry in the audit log (one insert for the page)."""
    check_staff(actor)
    users = filter_manageable_users(actor, User.objects.all())
    if role:
        users = users.filter(role=role)
    with transaction.atomic():
        page = list(users.order_by("id")[offset : offset + limit])
        record_access(actor, page, "list", "account", door)
    return page, users.count()


def update_profile(user: User, **fields: Any) -> User:
    """Change one's own profile. A new region is allowed once per ``REGION_CHANGE_DAYS``
    (the first choice is free; staff are not limited): a region opens regional events,
    forums and classes, and must not be hopped between to get into them."""
    _check_profile_fields(fields)
    if fields.get("region", user.region) == user.region:
        fields.pop("region", None)
    elif user.role not in STAFF_ROLES:
        _check_region_change_allowed(user)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(user, name, value)
        changed = list(fields)
        if "region" in fields:
            user.region_changed_at = timezone.now()
            changed.append("region_changed_at")
        user.save(update_fields=changed)  # a new region reaches open sockets: accounts.signals
    return user


def _check_region_change_allowed(user: User) -> None:
    allowed_at = region_change_allowed_from(user)
    if user.region_changed_at is not None and allowed_at is not None:
        wait = (allowed_at - timezone.now()).total_seconds()
        raise TooSoon(
            wait,
            f"you changed your region on {user.region_changed_at:%Y-%m-%d}; you can change it "
            f"again from {allowed_at:%Y-%m-%d %H:%M} UTC",
            code="region_change_too_soon",
        )


def set_region(actor: User, user: User, region: str, *, door: str = "http") -> User:
    """Staff set a member's region at any time (admins anyone's, moderators customers');
    the change is audited and counts as the member's last change."""
    check_can_manage_user(actor, user)
    fields = {"region": region}
    _check_profile_fields(fields)
    with transaction.atomic():
        if fields["region"] != user.region:
            user.region = fields["region"]
            user.region_changed_at = timezone.now()
            user.save(update_fields=["region", "region_changed_at"])  # see accounts.signals
        record_access(actor, [user], "change", "region", door)
    return user


def issue_token_pair(user: User) -> dict[str, Any]:
    access, access_ttl = tokens.issue_token(user.pk, "access")
    refresh, _ = tokens.issue_token(user.pk, "refresh")
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": access_ttl,
    }


def refresh_access_token(refresh_token: str) -> dict[str, Any]:
    claims = tokens.verify_token(refresh_token, "refresh")
    user = _active_user_for_claims(claims)
    access, ttl = tokens.issue_token(user.pk, "access")
    return {"access_token": access, "token_type": "Bearer", "expires_in": ttl}


def _active_user_for_claims(claims: dict[str, Any]) -> User:
    """The user a verified local token names, if its access has not ended since."""
    try:
        user = User.objects.get(pk=int(claims["sub"]))
    except (User.DoesNotExist, ValueError):
        raise InvalidToken("token for an unknown user") from None
    _check_token_still_valid(user, float(claims["iat"]))
    return user


def _check_token_still_valid(user: User, issued_at: float) -> None:
    if not user.is_active:
        raise InvalidToken("this account is deactivated", code="inactive")
    if issued_before_revocation(issued_at, user):
        raise InvalidToken("token revoked; sign in again", code="token_revoked")


def user_for_bearer_token(token: str) -> User:
    """The user a bearer token stands for: a local access token or a Cognito JWT."""
    return authenticate_bearer_token(token)[0]


def authenticate_bearer_token(token: str) -> tuple[User, float]:
    """The user a bearer token stands for, and when the token was issued."""
    user, issued_at, _ = bearer_token_lifetime(token)
    return user, issued_at


def bearer_token_lifetime(token: str) -> tuple[User, float, float]:
    """The user a bearer token stands for, when it was issued and when it expires."""
    if tokens.is_local_token(token):
        claims = tokens.verify_token(token, "access")
        return _active_user_for_claims(claims), float(claims["iat"]), float(claims["exp"])
    verifier = get_verifier()
    if verifier is None:
        raise InvalidToken("invalid token")
    claims = verifier.verify(token)
    user = _user_for_cognito_claims(claims)
    _check_token_still_valid(user, float(claims["iat"]))
    return user, float(claims["iat"]), float(claims["exp"])


def _verified_email(claims: dict[str, Any]) -> str | None:
    """The claimed address, normalised like every other (``accounts.identity``); None
    when it is not verified, not a plain address, or already an account's."""
    email, verified = claims.get("email"), claims.get("email_verified")
    if not isinstance(email, str) or verified not in (True, "true"):
        return None
    email = normalized_or_none(email)
    if email is None or User.objects.filter(email=email).exists():
        return None  # never take over a local account by claiming its address
    return email


def _issued_at(claims: dict[str, Any]) -> float:
    """When the sign-in behind a token happened (``auth_time``, else ``iat``)."""
    for name in ("auth_time", "iat"):
        value = claims.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return 0.0


def _user_for_cognito_claims(claims: dict[str, Any]) -> User:
    """Find or create the local user for a Cognito ``sub``.

    The pool's groups are the source of truth for a Cognito user's role: it is set from
    ``cognito:groups`` on every sign-in, and cannot be changed here.
    """
    sub = str(claims["sub"])[:64]
    erased = ErasedIdentity.objects.filter(key=identity_key(sub)).first()
    if erased is not None and _issued_at(claims) <= erased.erased_at.timestamp():
        # A token from before the erasure: the account it was for is gone, and stays gone.
        raise InvalidToken("the account of this token was erased; sign in again")
    groups = claims.get("cognito:groups") or []
    role = roles_from_groups([g for g in groups if isinstance(g, str)]) or Role.CUSTOMER
    user = User.objects.filter(cognito_sub=sub).first()
    if user is None:
        name = claims.get("name") or claims.get("username") or claims.get("cognito:username")
        fields = {"display_name": scrub_display_name(str(name or "")), "role": role}
        for email in (_verified_email(claims), None):
            try:
                with transaction.atomic():
                    # Cognito verified the address (``_verified_email``).
                    verified_at = timezone.now() if email else None
                    user = User(
                        cognito_sub=sub, email=email, email_verified_at=verified_at, **fields
                    )
                    user.set_unusable_password()
                    user.save()
                    # No sign-up form asked them: consent comes at onboarding.
                    signed_up.send(sender=User, user=user, consents=None)
                    return user
            except IntegrityError:
                found = User.objects.filter(cognito_sub=sub).first()
                if found is not None:  # created by a concurrent request
                    return found
                # else the address was taken meanwhile by a local sign-up: go without it
        raise InvalidToken("could not create an account for this token")
    if user.role != role:
        user.role = role
        user.save(update_fields=["role"])  # open sockets follow: accounts.signals
    return user
