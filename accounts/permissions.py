"""Who may do what with accounts; ``check_*`` raise, ``filter_*`` narrow a queryset.

Other apps build on these: every object access goes through a permission function of
the app that owns the object.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from accounts.roles import CARE_ROLES, STAFF_ROLES, Role
from core.errors import Forbidden, NotAuthenticated, RateLimited
from core.ratelimit import take_sync


def signed_in_user(request: HttpRequest) -> User:
    """The user an API request authenticated as (the API's auth has run already)."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        raise NotAuthenticated("sign in first")
    return user


def acting_user(request: HttpRequest) -> User:
    """The signed-in user, charged one action from the same bucket as socket actions."""
    user = signed_in_user(request)
    verdict = take_sync("actions", user.pk)
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)
    return user


def check_authenticated(user: User | None) -> User:
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotAuthenticated("sign in first")
    return user


def check_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise Forbidden("your role does not allow this")


def check_staff(user: User) -> None:
    check_role(user, *STAFF_ROLES)


def is_care_provider(user: User) -> bool:
    return user.role in CARE_ROLES


def check_can_manage_user(actor: User, user: User) -> None:
    """Admins manage everyone; moderators manage customers only."""
    if actor.role == Role.ADMIN:
        return
    if actor.role == Role.MODERATOR and user.role == Role.CUSTOMER:
        return
    raise Forbidden("your role does not allow managing this account")


def can_view_account(actor: User, user: User) -> bool:
    """Oneself, and staff. Doors answer others 404, as for an id with no account."""
    return actor.pk == user.pk or actor.role in STAFF_ROLES


def check_can_view_account(actor: User, user: User) -> None:
    if not can_view_account(actor, user):
        raise Forbidden("you cannot see this account")


def filter_manageable_users(actor: User, users: QuerySet[User]) -> QuerySet[User]:
    if actor.role == Role.ADMIN:
        return users
    if actor.role == Role.MODERATOR:
        return users.filter(role=Role.CUSTOMER)
    return users.none()
