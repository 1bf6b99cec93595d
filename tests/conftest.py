"""Shared fixtures: users, API clients, and a fake Cognito user pool with real RSA keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from channels.db import database_sync_to_async
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.test import Client

from accounts import cognito, limits, signin, verification
from accounts.models import User
from accounts.roles import Role
from accounts.services import issue_token_pair

PASSWORD = "plum-lentil-kale-42"
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from server import settings_test

    missing = {
        "postgres": not settings_test.POSTGRES_AVAILABLE,
        "redis": not settings_test.REDIS_AVAILABLE,
    }
    for item in items:
        for marker, absent in missing.items():
            if absent and item.get_closest_marker(marker):
                # Under CI=true the settings refuse to load without the services.
                item.add_marker(pytest.mark.skip(reason=f"{marker} is not reachable here"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end the sessions that worker threads of the
    gateway may still hold (a thread that finishes after its test cannot close its
    connection: the database is blocked for it by then)."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def no_failed_sign_ins_counted_from_the_test_client() -> None:
    """Every test client comes from 127.0.0.1: failed sign-ins and sign-ups of earlier
    tests (and earlier runs, in the same Redis) must not count against the next test."""
    signin.forget_client("127.0.0.1")
    limits.forget(verification.sign_up_window(), signin.address_key("127.0.0.1"))


_counter = itertools.count(1)


def _new_user(role: str = Role.CUSTOMER, **fields: Any) -> User:
    n = next(_counter)
    fields.setdefault("email", f"user{n}-{uuid.uuid4().hex[:6]}@example.org")
    fields.setdefault("display_name", f"User {n}")
    return User.objects.create_user(password=PASSWORD, role=role, **fields)


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    return _new_user


@pytest.fixture
def customer(make_user: Callable[..., User]) -> User:
    return make_user(Role.CUSTOMER)


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN)


def bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token_pair(user)['access_token']}"}


def api_json(response: Any) -> Any:
    return json.loads(response.content)


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def browser() -> Client:
    """A client that, like a browser, must present the CSRF token on writes."""
    return Client(enforce_csrf_checks=True)


def follow_verification_link(client: Client, address: str) -> None:
    """Confirm ``address`` as its owner would: open the last link mailed to it (the
    locmem mail backend keeps the mail) and press the button."""
    import re

    from django.core import mail

    bodies = [m.body for m in mail.outbox if m.to == [address]]
    assert bodies, f"no mail to {address}"
    found = re.search(r"https?://\S+/verify-email\?token=(\S+)", bodies[-1])
    assert found, bodies[-1]
    assert client.get(f"/verify-email?token={found.group(1)}").status_code == 200
    assert client.post("/verify-email", {"token": found.group(1)}).status_code == 200


def csrf_token(client: Client) -> str:
    response = client.get("/api/auth/csrf")
    return str(api_json(response)["csrf_token"])


@pytest.fixture
def make_user_async(transactional_db: None) -> Callable[..., Any]:
    return database_sync_to_async(_new_user)


# --- a fake Cognito user pool ---------------------------------------------------------

REGION = "eu-west-1"
POOL_ID = "eu-west-1_TestPool1"
CLIENT_ID = "app-client-1"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeUserPool:
    """Generates RSA keys, serves its JWKS, counts fetches, and mints tokens."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.published: list[str] = []
        self.fetches = 0
        self.add_key("key-1", publish=True)

    def add_key(self, kid: str, publish: bool) -> str:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if publish:
            self.published.append(kid)
        return kid

    def jwks(self) -> dict[str, Any]:
        out = []
        for kid in self.published:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
            out.append(jwk)
        return {"keys": out}

    def fetch(self, url: str) -> dict[str, Any]:
        self.fetches += 1
        return self.jwks()

    def public_pem(self, kid: str = "key-1") -> bytes:
        return (
            self.keys[kid]
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def claims(self, token_use: str = "access", **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": overrides.pop("sub", "4a1b2c3d-0000-4000-8000-000000000001"),
            "iss": ISSUER,
            "token_use": token_use,
            "iat": now - 5,
            "auth_time": now - 5,
            "exp": now + 3600,
            "cognito:groups": ["customers"],
        }
        if token_use == "access":
            claims.update({"client_id": CLIENT_ID, "username": "cognito-user", "scope": "openid"})
        else:
            claims.update(
                {"aud": CLIENT_ID, "email": "pool.user@example.org", "email_verified": True}
            )
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, kid: str = "key-1", token_use: str = "access", **overrides: Any) -> str:
        return jwt.encode(
            self.claims(token_use, **overrides),
            self.keys[kid],
            algorithm="RS256",
            headers={"kid": kid},
        )

    def unsigned_token(self, alg: str, key: bytes, kid: str = "key-1") -> str:
        """A token whose header claims ``alg``, MAC'd with ``key`` (or not signed at all)."""
        header = b64url(json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}).encode())
        payload = b64url(json.dumps(self.claims()).encode())
        signing_input = f"{header}.{payload}".encode()
        if alg == "none":
            return f"{header}.{payload}."
        mac = hmac.new(key, signing_input, hashlib.sha256).digest()
        return f"{header}.{payload}.{b64url(mac)}"


@pytest.fixture
def user_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUserPool]:
    pool = FakeUserPool()
    monkeypatch.setattr(settings, "COGNITO_REGION", REGION)
    monkeypatch.setattr(settings, "COGNITO_USER_POOL_ID", POOL_ID)
    monkeypatch.setattr(settings, "COGNITO_APP_CLIENT_IDS", [CLIENT_ID])
    monkeypatch.setattr(settings, "COGNITO_TOKEN_USE", ["access"])
    monkeypatch.setattr(settings, "COGNITO_JWKS_URL", "https://jwks.invalid/jwks.json")
    monkeypatch.setattr(cognito, "fetch_jwks", pool.fetch)
    monkeypatch.setattr(cognito, "_verifier", None)
    yield pool
    cognito._verifier = None
