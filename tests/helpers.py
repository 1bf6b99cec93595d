"""Plain helpers every app's tests use: users and their password, bearer headers, JSON
answers, the CSRF token, the verification link, and a fake Cognito user pool with real
RSA keys. Fixtures are in tests/conftest.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from accounts.services import issue_token_pair

PASSWORD = "plum-lentil-kale-42"

# Sign-up's consent answers, explicit as the API requires them.
CONSENTS = {"care": True, "analytics": False, "marketing": False}
# The same as the sign-up page's form sends them (a box left unticked sends nothing).
CONSENT_FORM = {"consents_asked": "1", "consent_care": "yes"}

_counter = itertools.count(1)


def new_user(role: str = Role.CUSTOMER, **fields: Any) -> User:
    n = next(_counter)
    fields.setdefault("email", f"user{n}-{uuid.uuid4().hex[:6]}@example.org")
    fields.setdefault("display_name", f"User {n}")
    return User.objects.create_user(password=PASSWORD, role=role, **fields)


def bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token_pair(user)['access_token']}"}


def api_json(response: Any) -> Any:
    return json.loads(response.content)


def follow_verification_link(client: Client, address: str) -> None:
    """Confirm ``address`` as its owner would: open the last link mailed to it (the
    locmem mail backend keeps the mail) and press the button."""
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
