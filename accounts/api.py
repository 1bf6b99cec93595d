"""Accounts over HTTP: sign-up, sessions, tokens, the signed-in user, account admin."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from ninja import Query, Router, Status
from ninja.pagination import paginate
from ninja.utils import check_csrf

from accounts import audit, regions, services, signin, verification
from accounts.bounds import MAX_ID
from accounts.models import AccessAuditEntry, User
from accounts.permissions import can_view_account, check_role, signed_in_user
from accounts.roles import Role
from accounts.schemas import (
    AccessTokenOut,
    AuditPageOut,
    CredentialsIn,
    CsrfOut,
    MessageOut,
    MyAccessOut,
    PasswordChangeIn,
    ProfilePatchIn,
    RefreshIn,
    RegionIn,
    RegionOut,
    ResendIn,
    RoleIn,
    SignUpIn,
    SignUpOut,
    TokenPairOut,
    UserOut,
    UserPageOut,
    VerifiedOut,
    VerifyEmailIn,
)
from core.errors import Forbidden
from core.pagination import MAX_LIMIT, MAX_OFFSET, BoundedLimitOffset

router = Router()


@router.get("/auth/csrf", auth=None, response=CsrfOut, tags=["auth"])
def csrf(request: HttpRequest) -> dict[str, str]:
    """Sets the CSRF cookie; browsers send its value as ``X-CSRFToken`` on writes."""
    return {"csrf_token": get_token(request)}


SIGN_UP_MESSAGE = (
    "Check your mail: a message to this address tells you how to go on. "
    "A new account signs in once its address is confirmed with the link it was sent."
)
RESEND_MESSAGE = (
    "If this address has an account that is not confirmed yet, a new link is on its way."
)


@router.post("/auth/signup", auth=None, response={202: SignUpOut}, tags=["auth"])
def sign_up(request: HttpRequest, payload: SignUpIn) -> Status[dict[str, str]]:
    """Creates an unverified customer account and mails the verification link; for an
    address already registered, mails its owner instead. The answer is the same."""
    email = services.sign_up(
        client=signin.client_key(request), **payload.model_dump(exclude_none=True)
    )
    return Status(202, {"email": email, "message": SIGN_UP_MESSAGE})


@router.post("/auth/verify-email", auth=None, response=VerifiedOut, tags=["auth"])
def verify_email(request: HttpRequest, payload: VerifyEmailIn) -> User:
    """Confirms the address with the token of the link mailed at sign-up."""
    return verification.verify_email(payload.token)


@router.post("/auth/verify-email/resend", response={202: MessageOut}, tags=["auth"])
def resend_verification(request: HttpRequest) -> Status[dict[str, str]]:
    """Mails the signed-in member a new link (a few an hour at most)."""
    verification.resend_verification(signed_in_user(request))
    return Status(202, {"message": "a new link is on its way"})


@router.post("/auth/verify-email/request", auth=None, response={202: MessageOut}, tags=["auth"])
def request_verification(request: HttpRequest, payload: ResendIn) -> Status[dict[str, str]]:
    """Mails a new link to an address whose account is not confirmed yet (it cannot sign
    in until it is). The answer is the same for every address."""
    verification.resend_verification_to(payload.email, client=signin.client_key(request))
    return Status(202, {"message": RESEND_MESSAGE})


@router.post("/auth/login", auth=None, response=UserOut, tags=["auth"])
def log_in(request: HttpRequest, response: HttpResponse, payload: CredentialsIn) -> User:
    """Starts a browser session (needs the CSRF token, like every session write)."""
    if check_csrf(request) is not None:
        raise Forbidden(
            "CSRF check failed: send the csrftoken cookie and X-CSRFToken", code="csrf_failed"
        )
    user = signin.check_credentials(request, payload.email, payload.password)
    signin.start_session(request, user)
    signin.remember_client(request, response, user)
    return user


@router.post("/auth/logout", response={204: None}, tags=["auth"])
def log_out(request: HttpRequest) -> Status[None]:
    """Signs out everywhere: all sessions, tokens and open sockets of this user."""
    services.log_out(request, signed_in_user(request))
    return Status(204, None)


@router.post("/auth/token", auth=None, response=TokenPairOut, tags=["auth"])
def token(
    request: HttpRequest, response: HttpResponse, payload: CredentialsIn
) -> dict[str, object]:
    """For apps: a short-lived access token and a refresh token."""
    user = signin.check_credentials(request, payload.email, payload.password)
    signin.remember_client(request, response, user)
    return services.issue_token_pair(user)


@router.post("/auth/token/refresh", auth=None, response=AccessTokenOut, tags=["auth"])
def refresh(request: HttpRequest, payload: RefreshIn) -> dict[str, object]:
    return services.refresh_access_token(payload.refresh_token)


@router.post("/auth/password", response={204: None}, tags=["auth"])
def change_password(request: HttpRequest, payload: PasswordChangeIn) -> Status[None]:
    """Changes the password; every other session, token and socket is signed out."""
    session_request = request if "Authorization" not in request.headers else None
    services.change_password(
        session_request, signed_in_user(request), payload.current_password, payload.new_password
    )
    return Status(204, None)


@router.get("/regions", auth=None, response=list[RegionOut], tags=["me"])
def list_regions(request: HttpRequest) -> list[dict[str, str]]:
    """The regions a member may choose at sign-up and in their settings."""
    return regions.regions()


@router.get("/me", response=UserOut, tags=["me"])
def me(request: HttpRequest) -> User:
    return signed_in_user(request)


@router.patch("/me", response=UserOut, tags=["me"])
def update_me(request: HttpRequest, payload: ProfilePatchIn) -> User:
    return services.update_profile(signed_in_user(request), **payload.model_dump(exclude_none=True))


@router.get("/me/access-log", response=list[MyAccessOut], tags=["me"])
@paginate(BoundedLimitOffset)
def my_access_log(request: HttpRequest) -> object:
    """Who else has read or changed my data, newest first (by role and display name)."""
    return audit.entries_about(signed_in_user(request))


@router.get("/users", response=UserPageOut, tags=["users"])
def list_users(
    request: HttpRequest,
    role: str | None = Query(None, max_length=20),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, object]:
    """Accounts the caller may manage (staff only); each one listed is audited."""
    page, count = services.list_accounts(
        signed_in_user(request), role=role, limit=limit, offset=offset
    )
    return {"items": page, "count": count}


def _account_or_404(actor: User, user_id: int) -> User:
    """The account ``user_id``, if ``actor`` may see it. Someone who may not gets the
    same 404 for an account that exists as for one that does not: ids tell nothing."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not can_view_account(actor, user):
        raise Http404("No User matches the given query.")
    return user


@router.get("/users/{user_id}", response=UserOut, tags=["users"])
def get_user(request: HttpRequest, user_id: int) -> User:
    actor = signed_in_user(request)
    return services.view_account(actor, _account_or_404(actor, user_id))


@router.post("/users/{user_id}/deactivate", response=UserOut, tags=["users"])
def deactivate_user(request: HttpRequest, user_id: int) -> User:
    """Ends the account's access at once: sessions, tokens and open sockets."""
    actor = signed_in_user(request)
    return services.set_active(actor, _account_or_404(actor, user_id), active=False)


@router.post("/users/{user_id}/activate", response=UserOut, tags=["users"])
def activate_user(request: HttpRequest, user_id: int) -> User:
    actor = signed_in_user(request)
    return services.set_active(actor, _account_or_404(actor, user_id), active=True)


@router.put("/users/{user_id}/role", response=UserOut, tags=["users"])
def set_role(request: HttpRequest, user_id: int, payload: RoleIn) -> User:
    actor = signed_in_user(request)
    check_role(actor, Role.ADMIN)
    return services.set_role(actor, _account_or_404(actor, user_id), payload.role)


@router.put("/users/{user_id}/region", response=UserOut, tags=["users"])
def set_region(request: HttpRequest, user_id: int, payload: RegionIn) -> User:
    """Staff set a member's region (moderators: customers'); audited."""
    actor = signed_in_user(request)
    return services.set_region(actor, _account_or_404(actor, user_id), payload.region)


@router.get("/audit", response=AuditPageOut, tags=["users"])
def audit_log(
    request: HttpRequest,
    subject_id: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, object]:
    """The access audit log (admins only), optionally for one person. Reading it is an
    access too: every person an entry on the page is about gets an entry of their own."""
    actor = signed_in_user(request)
    check_role(actor, Role.ADMIN)
    entries = AccessAuditEntry.objects.all()
    if subject_id:
        entries = entries.filter(subject_id=subject_id)
    with transaction.atomic():
        page, count = list(entries[offset : offset + limit]), entries.count()
        subjects = {e.subject_id for e in page if e.subject_id is not None}
        audit.record_access(actor, subjects, "view", "access log", "http")
    return {"items": page, "count": count}
