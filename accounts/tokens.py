"""Short-lived signed access tokens (and longer refresh tokens) for apps using local accounts.

HS256 with a key derived from SECRET_KEY. ``iat`` keeps sub-second precision so a token
issued just after a logout is not mistaken for one issued before it.
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any, Literal

import jwt
from django.conf import settings
from django.utils.crypto import salted_hmac

from core.errors import InvalidToken

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]


def _signing_key() -> str:
    return salted_hmac("accounts.tokens", "signing-key", algorithm="sha256").hexdigest()


def issue_token(user_id: int, token_type: TokenType) -> tuple[str, int]:
    """Return the token and its lifetime in seconds."""
    lifetime = (
        settings.ACCESS_TOKEN_SECONDS if token_type == "access" else settings.REFRESH_TOKEN_SECONDS
    )
    now = time.time()
    claims = {
        "iss": settings.LOCAL_TOKEN_ISSUER,
        "sub": str(user_id),
        "typ": token_type,
        "iat": math.floor(now * 1000) / 1000,  # never after the real time
        "exp": int(now + lifetime),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _signing_key(), algorithm=ALGORITHM), lifetime


def is_local_token(token: str) -> bool:
    """Whether a token claims to be ours; the claim is checked by ``verify_token``."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return False
    return header.get("alg") == ALGORITHM


def verify_token(token: str, token_type: TokenType) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            _signing_key(),
            algorithms=[ALGORITHM],
            issuer=settings.LOCAL_TOKEN_ISSUER,
            options={"require": ["exp", "iat", "iss", "sub", "typ"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("token expired") from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"invalid token: {exc}") from None
    if claims["typ"] != token_type:
        raise InvalidToken(f"a {token_type} token is required")
    return claims
