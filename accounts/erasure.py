"""Erasure: a member's account is erased at their request (or by an admin), across every
app, in one transaction.

What stays is what others need and what must be kept: the ``User`` row (its id is
referenced by what stays), with every field that named the person cleared, inactive and
``erased_at`` set, so it is shown everywhere as ``ERASED_NAME``; the words they wrote
for others (direct messages, forum posts), by "a deleted member"; the access audit log,
which keeps ids and names them as erased. Everything else that was theirs goes: every app
registered an eraser (``accounts.personal_data``) and each runs here. Access ends at once:
sessions, tokens and open sockets (``accounts.signals``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import logout
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts import personal_data
from accounts.audit import entries_about, record_access, shown_actor
from accounts.identity import identity_key
from accounts.models import ERASED_NAME, AccessAuditEntry, Block, ErasedIdentity, User
from accounts.permissions import check_can_manage_user, check_role
from accounts.personal_data import Part, Table
from accounts.roles import Role
from accounts.services import check_current_password
from core.errors import Conflict, ServiceError

# What an account without a password (a Cognito one) types to confirm.
ERASE_PHRASE = "erase my account"


def erase_own_account(
    request: HttpRequest | None,
    user: User,
    *,
    password: str | None = None,
    confirm: str | None = None,
) -> None:
    """Erase the signed-in member's own account. With a password, the password is asked
    again (wrong: 403 ``bad_credentials``, held to the same limit as a password change);
    an account without one (Cognito) types ``ERASE_PHRASE``. The session of ``request``
    ends here; every other one, every token and socket with the erasure."""
    if user.has_usable_password():
        if not password:
            raise ServiceError(
                "type your password to erase your account", code="password_needed",
                field="password",
            )  # fmt: skip
        check_current_password(user, password, field="password")
    elif " ".join((confirm or "").split()).lower() != ERASE_PHRASE:
        raise ServiceError(
            f'type "{ERASE_PHRASE}" to erase your account', code="confirmation_needed",
            field="confirm",
        )  # fmt: skip
    erase(user)
    if request is not None and hasattr(request, "session"):
        logout(request)


def erase_account(actor: User, user: User, *, door: str = "http") -> User:
    """An admin erases a member's account (audited: the entry keeps both ids)."""
    check_role(actor, Role.ADMIN)
    if actor.pk == user.pk:
        raise ServiceError("erase your own account from your privacy page", code="self_erasure")
    check_can_manage_user(actor, user)
    with transaction.atomic():
        record_access(actor, [user], "erase", "account", door)
        erase(user)
    return user


# The fields of the account cleared by erasure, and what they become.
CLEARED: dict[str, Any] = {
    "email": None,
    "cognito_sub": None,
    "display_name": "",
    "region": "",
    "region_changed_at": None,
    "locale": "en",
    "time_zone": "UTC",
    "email_verified_at": None,
    "email_message_text": False,
    "is_superuser": False,
    "last_login": None,
}


def erase(user: User) -> None:
    """Erase ``user`` everywhere, in one transaction: the account is anonymised first,
    then every registered eraser runs (each sees the member as erased), then the audit
    log's labels are rewritten. 409 ``already_erased`` for an account erased before."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.erased_at is not None:
            raise Conflict("this account is erased already", code="already_erased")
        _forget_in_admin_log(locked)
        if locked.cognito_sub:
            ErasedIdentity.objects.update_or_create(
                key=identity_key(locked.cognito_sub), defaults={"erased_at": timezone.now()}
            )
        for name, value in CLEARED.items():
            setattr(locked, name, value)
        locked.set_unusable_password()
        locked.is_active = False
        locked.erased_at = timezone.now()
        # A new password and is_active off end every session, token and socket on commit
        # (accounts.signals).
        locked.save()
        locked.groups.clear()
        locked.user_permissions.clear()
        personal_data.run_erasers(locked)
    for name in (*CLEARED, "password", "is_active", "erased_at", "access_valid_after"):
        setattr(user, name, getattr(locked, name))


def _forget_in_admin_log(user: User) -> None:
    """The Django admin's history names objects as their ``str``: the account itself
    (its address) and objects named after it. Those names become the erased name."""
    about_user = Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
    if user.email:
        about_user |= Q(object_repr__icontains=user.email)
    LogEntry.objects.filter(about_user).update(object_repr=ERASED_NAME)


# --- accounts' own part ------------------------------------------------------------------


def export_account(user: User) -> list[Part]:
    account = Table(
        "account",
        [
            {
                "id": user.pk,
                "email": user.email,
                "email_verified_at": user.email_verified_at,
                "display_name": user.display_name,
                "role": user.role,
                "locale": user.locale,
                "region": user.region,
                "region_changed_at": user.region_changed_at,
                "time_zone": user.time_zone,
                "email_message_text": user.email_message_text,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
                "signs_in_with": "cognito" if user.cognito_sub else "password",
            }
        ],
    )
    blocks = Table(
        "blocks",
        [
            {"user_id": b.blocked_id, "name": b.blocked.public_name(), "since": b.created_at}
            for b in Block.objects.filter(blocker=user).select_related("blocked")
        ],
        columns=("user_id", "name", "since"),
    )
    log = Table(
        "access-log",
        [_access_row(entry) for entry in entries_about(user).order_by("at", "id")],
        columns=("at", "by_role", "by", "action", "resource", "door"),
    )
    return [account, blocks, log]


def _access_row(entry: AccessAuditEntry) -> dict[str, Any]:
    """An entry about the member as they are shown it: the reader by role and name."""
    role, name = shown_actor(entry)
    return {
        "at": entry.at,
        "by_role": role,
        "by": name,
        "action": entry.action,
        "resource": entry.resource,
        "door": entry.door,
    }


def erase_account_data(user: User) -> None:
    """Blocks either way and sessions go; the audit log keeps its entries, with ids, and
    names the member as erased."""
    Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
    _delete_sessions(user.pk)
    AccessAuditEntry.objects.label_erased(user)


def _delete_sessions(user_id: int) -> None:
    """Every stored session of the account (they are void already: the account is
    inactive and its access revoked; this takes the rows away too). Sessions are keyed by
    a random key, so the live ones are read to find the member's."""
    mine = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id", "")) == str(user_id)
    ]
    if mine:
        Session.objects.filter(session_key__in=mine).delete()


personal_data.register(
    "accounts",
    models=("accounts.AccessAuditEntry", "accounts.Block"),
    export=export_account,
    erase=erase_account_data,
    keeps="the account row (anonymised, inactive) and the access audit log (ids only)",
)
