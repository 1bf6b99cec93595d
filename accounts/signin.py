"""Signing in with an e-mail address and a password: the one check every door uses (the
sign-in page, ``POST /api/auth/login``, ``POST /api/auth/token`` and the Django admin).

Two limits, both on failed attempts in windows of ``SIGN_IN_WINDOW_SECONDS``:

- per client (its address): ``SIGN_IN_CLIENT_FAILURES``, whatever accounts it tries;
- per account (the address typed, registered or not): ``SIGN_IN_ACCOUNT_FAILURES``, for
  clients that are not known to that account.

A client is known to an account when it presents the signed cookie this module sets on
every successful sign-in to that account (for ``SIGN_IN_KNOWN_CLIENT_DAYS``), or comes
from the address of the account's last successful sign-in. So an attacker who spends an
account's allowance from elsewhere does not lock its owner out of their own browser,
while the attacker's client is held to its own limit.

An account whose address is not verified yet does not sign in: the right password gets
the answer of a wrong one, and counts as a failure like one, so signing up and then
signing in tells nobody whether the address was registered before.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse

from accounts import limits
from accounts.identity import normalized_or_none
from accounts.models import User
from core.errors import NotAuthenticated, RateLimited

KNOWN_CLIENT_COOKIE = "edt_known"
KNOWN_CLIENT_SALT = "accounts.signin.known-client"
KNOWN_ACCOUNTS_PER_COOKIE = 5


def client_window() -> limits.Window:
    return limits.Window(
        "sign_in_client", settings.SIGN_IN_CLIENT_FAILURES, settings.SIGN_IN_WINDOW_SECONDS
    )


def account_window() -> limits.Window:
    return limits.Window(
        "sign_in_account", settings.SIGN_IN_ACCOUNT_FAILURES, settings.SIGN_IN_WINDOW_SECONDS
    )


def client_address(request: HttpRequest) -> str:
    """The client's IP address: ``REMOTE_ADDR``, or behind our own proxy
    (``BEHIND_PROXY``) the ``X-Forwarded-For`` entry the outermost of the
    ``TRUSTED_PROXY_HOPS`` proxies wrote (the shipped nginx overwrites the header with
    the address it saw, so there is one entry). Entries further left were written by the
    client and prove nothing. ``scripts/serve`` has daphne read the header only behind
    our proxy; elsewhere ``REMOTE_ADDR`` is the connection's own address."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if hops:
            address = hops[-min(len(hops), max(1, settings.TRUSTED_PROXY_HOPS))]
    return address


def client_key(request: HttpRequest) -> str:
    """What the per-client limit counts: the client's address."""
    return address_key(client_address(request))


def address_key(address: str) -> str:
    """An address as the limits count it: IPv6 by its /64 network (one subscriber holds
    a whole /64 and could otherwise change address at will)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return limits.hashed(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64"
    return str(ip)


def _cookie_accounts(request: HttpRequest) -> list[int]:
    """The accounts this browser signed in to (a missing, forged or expired cookie: none)."""
    value = request.get_signed_cookie(
        KNOWN_CLIENT_COOKIE,
        default=None,
        salt=KNOWN_CLIENT_SALT,
        max_age=settings.SIGN_IN_KNOWN_CLIENT_DAYS * 86400,
    )
    return [int(part) for part in (value or "").split(".") if part.isdigit()]


def is_known_client(request: HttpRequest, user: User) -> bool:
    """Whether this client signed in to ``user`` before (cookie, or the last address)."""
    if user.pk in _cookie_accounts(request):
        return True
    return limits.recall("sign_in_address", limits.account_key(user)) == client_key(request)


def check_credentials(request: HttpRequest, email: str, password: str) -> User:
    """The account for an e-mail address and password, within the sign-in limits.

    Raises RateLimited (429) before looking at the password when this client, or an
    unknown client for this account, has used its failures; NotAuthenticated otherwise.
    An address not verified yet fails as a wrong password does (same answer, counted).
    """
    normalized = normalized_or_none(email)
    client = client_key(request)
    wait = limits.retry_after(client_window(), client)
    if wait is not None:
        raise RateLimited(wait, f"too many failed sign-ins from here; try again in {wait:.0f} s")
    # An address the normalisation refuses names no account; it is counted as typed.
    account = limits.hashed(normalized or email.strip().lower())
    user = User.objects.filter(email=normalized).first() if normalized else None
    if user is None or not is_known_client(request, user):
        wait = limits.retry_after(account_window(), account)
        if wait is not None:
            raise RateLimited(
                wait,
                f"too many attempts; try again in {wait:.0f} s, "
                "or sign in from a browser you used before",
            )
    if user is None:
        User().set_password(password)  # take as long as a real check: no account probing
        ok = False
    else:
        # Unverified: refused exactly like a wrong password, or sign-up followed by
        # sign-in would tell a new address (200) from a registered one (401).
        ok = user.check_password(password) and user.email_verified_at is not None
    if not ok or user is None:
        limits.count(client_window(), client)
        limits.count(account_window(), account)
        raise NotAuthenticated("wrong email or password", code="bad_credentials")
    if not user.is_active:
        raise NotAuthenticated("this account is deactivated", code="inactive")
    days = settings.SIGN_IN_KNOWN_CLIENT_DAYS
    limits.remember("sign_in_address", limits.account_key(user), client, days * 86400)
    return user


def remember_client(request: HttpRequest, response: HttpResponse, user: User) -> None:
    """Mark this browser as known to ``user`` (after a successful sign-in)."""
    known = [user.pk, *(pk for pk in _cookie_accounts(request) if pk != user.pk)]
    response.set_signed_cookie(
        KNOWN_CLIENT_COOKIE,
        ".".join(str(pk) for pk in known[:KNOWN_ACCOUNTS_PER_COOKIE]),
        salt=KNOWN_CLIENT_SALT,
        max_age=settings.SIGN_IN_KNOWN_CLIENT_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def start_session(request: HttpRequest, user: User) -> None:
    """Sign a browser in (the sign-in time is recorded by ``accounts.signals``)."""
    login(request, user, backend="accounts.backends.EmailBackend")


def forget_client(address: str) -> None:
    """Clear the failures counted for ``address`` in this window (an operator unblocking
    an office; the tests, which all come from one address)."""
    limits.forget(client_window(), address_key(address))
