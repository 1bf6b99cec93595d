"""Verification of bearer JWTs issued by an existing AWS Cognito user pool.

Checks, in order: RS256 only, a ``kid`` found in the pool's JWKS, the signature, the exact
issuer, expiry, ``token_use`` among the accepted ones, and ``client_id`` (access tokens)
or ``aud`` (ID tokens) among the configured app clients. Keys are cached; an unknown
``kid`` triggers at most one refetch per interval, so a flood of forged tokens cannot
turn into a flood of requests to AWS.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from django.conf import settings

from accounts.roles import ROLE_RANK
from core.errors import InvalidToken

logger = logging.getLogger(__name__)

FetchJwks = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class CognitoConfig:
    region: str
    user_pool_id: str
    app_client_ids: frozenset[str]
    token_uses: frozenset[str]
    jwks_url: str
    refetch_seconds: float

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @classmethod
    def from_settings(cls) -> CognitoConfig | None:
        if not (settings.COGNITO_REGION and settings.COGNITO_USER_POOL_ID):
            return None
        issuer = (
            f"https://cognito-idp.{settings.COGNITO_REGION}.amazonaws.com/"
            f"{settings.COGNITO_USER_POOL_ID}"
        )
        return cls(
            region=settings.COGNITO_REGION,
            user_pool_id=settings.COGNITO_USER_POOL_ID,
            app_client_ids=frozenset(settings.COGNITO_APP_CLIENT_IDS),
            token_uses=frozenset(settings.COGNITO_TOKEN_USE),
            jwks_url=settings.COGNITO_JWKS_URL or f"{issuer}/.well-known/jwks.json",
            refetch_seconds=settings.COGNITO_JWKS_REFETCH_SECONDS,
        )


def fetch_jwks(url: str) -> dict[str, Any]:
    """Read a JWKS document from an https URL, a file:// URL or a plain path."""
    if url.startswith("file://"):
        url = url.removeprefix("file://")
    if not url.startswith(("https://", "http://")):
        data: dict[str, Any] = json.loads(Path(url).read_text())
        return data
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310
        data = json.loads(response.read(1_000_000))
    return data


class JwksCache:
    """The pool's signing keys by ``kid``, refetched on an unknown ``kid`` at most once per
    ``refetch_seconds``."""

    def __init__(
        self,
        url: str,
        refetch_seconds: float,
        fetch: FetchJwks | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.refetch_seconds = refetch_seconds
        self._fetch = fetch or fetch_jwks
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._last_refetch: float | None = None
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict[str, jwt.PyJWK]:
        try:
            document = self._fetch(self.url)
            key_set = jwt.PyJWKSet.from_dict(document)
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            logger.warning("could not load the Cognito JWKS from %s: %s", self.url, exc)
            raise InvalidToken("the identity provider's keys are unavailable") from None
        return {k.key_id: k for k in key_set.keys if k.key_id}

    def key_for(self, kid: str) -> jwt.PyJWK:
        now = self._clock()
        with self._lock:
            keys = self._keys
            if keys is not None:
                if kid in keys:
                    return keys[kid]
                # An unknown kid: refetch at most once per interval, so a flood of forged
                # tokens costs one request, and a rotated key is found on first use.
                if (
                    self._last_refetch is not None
                    and now - self._last_refetch < self.refetch_seconds
                ):
                    raise InvalidToken("token signed with an unknown key")
                self._last_refetch = now
            elif self._failed_at is not None and now - self._failed_at < self.refetch_seconds:
                raise InvalidToken("the identity provider's keys are unavailable")
        try:
            keys = self._load()  # outside the lock: a slow fetch blocks no other check
        except InvalidToken:
            with self._lock:
                self._failed_at = now
            raise
        with self._lock:
            self._keys, self._failed_at = keys, None
        if kid in keys:
            return keys[kid]
        raise InvalidToken("token signed with an unknown key")


class CognitoVerifier:
    def __init__(self, config: CognitoConfig, jwks: JwksCache) -> None:
        self.config = config
        self.jwks = jwks

    def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed token") from None
        if header.get("alg") != "RS256":
            raise InvalidToken("only RS256 tokens are accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token has no key id")
        key = self.jwks.key_for(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self.config.issuer,
                options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token expired") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("token from another issuer") from None
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token: {exc}") from None

        token_use = claims["token_use"]
        if token_use not in self.config.token_uses:
            raise InvalidToken(f"{token_use} tokens are not accepted here")
        if token_use == "access":
            audience = claims.get("client_id")
        elif token_use == "id":
            audience = claims.get("aud")
        else:
            raise InvalidToken("unknown token_use")
        if not isinstance(audience, str) or audience not in self.config.app_client_ids:
            raise InvalidToken("token issued for another app client")
        return claims


_verifier: CognitoVerifier | None = None
_verifier_config: CognitoConfig | None = None
_verifier_lock = threading.Lock()


def get_verifier() -> CognitoVerifier | None:
    """The process-wide verifier for the configured pool (rebuilt if settings change)."""
    global _verifier, _verifier_config
    config = CognitoConfig.from_settings()
    if config is None:
        return None
    with _verifier_lock:
        if _verifier is None or _verifier_config != config:
            _verifier = CognitoVerifier(config, JwksCache(config.jwks_url, config.refetch_seconds))
            _verifier_config = config
        return _verifier


def roles_from_groups(groups: list[str]) -> str | None:
    """The highest role that the token's ``cognito:groups`` map to, if any."""
    mapping: dict[str, str] = {}
    for pair in settings.COGNITO_GROUP_ROLES.split(","):
        if ":" in pair:
            group, role = pair.split(":", 1)
            if role.strip() in ROLE_RANK:
                mapping[group.strip()] = role.strip()
    roles = [mapping[g] for g in groups if g in mapping]
    return max(roles, key=lambda r: ROLE_RANK[r]) if roles else None
