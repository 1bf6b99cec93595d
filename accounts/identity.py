"""What people type to name themselves: e-mail addresses and display names.

**E-mail addresses** go through ``normalize_email`` on every door that takes one (sign-up,
sign-in, app tokens, verification links asked for by address, the Django admin, Cognito
claims), and accounts are stored and looked up by its result. Two addresses that would
reach the same mailbox are then the same account: ``C2@R.test``, ``c2@r.test`` and
``c2@r.test`` written with full-width letters are one address, and text that only looks
like an address (a soft hyphen, a zero-width or other invisible character, a space) is
refused. The domain is stored in its ASCII (IDNA) form, the form mail is sent to.

**Display names** refuse characters that break a line or reorder text (control
characters, line and paragraph separators, bidirectional overrides), on every door that
sets them, so a name cannot carry a second paragraph into anything that shows it.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.errors import ServiceError

MAX_EMAIL_LENGTH = 254
MAX_DISPLAY_NAME_LENGTH = 80

# Unicode categories no e-mail address holds: control, format (soft hyphen, zero-width
# characters, byte order mark, direction marks), surrogate, private use, unassigned, and
# separators (spaces, line and paragraph separators).
_REFUSED_IN_EMAIL = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})

# In a display name: control characters (newlines, tabs, escapes), surrogates, line and
# paragraph separators, and the characters that override or isolate text direction.
# Other format characters stay: joiners belong in Persian names and emoji sequences.
_REFUSED_IN_NAME = frozenset({"Cc", "Cs", "Zl", "Zp"})
_DIRECTION_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

INVALID_EMAIL = "enter a valid email address"
INVISIBLE_IN_EMAIL = (
    "an email address may not contain spaces, invisible, control or private characters"
)


class InvalidEmail(ServiceError):
    code = "invalid_field"


def normalize_email(raw: str) -> str:
    """The one form of an e-mail address that accounts are stored and found by.

    Surrounding spaces are dropped; then NFKC, lower case, and the domain encoded to ASCII
    (IDNA). Raises ``InvalidEmail`` (400) for anything that is not a plain address: a
    control, format, private-use, unassigned or white-space character anywhere, a
    malformed address, or one over 254 characters.
    """
    text = unicodedata.normalize("NFKC", raw.strip(" \t\r\n"))
    if any(_refused_in_email(ch) for ch in text):
        raise InvalidEmail(INVISIBLE_IN_EMAIL)
    text = unicodedata.normalize("NFKC", text.lower())
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or len(text) > 4 * MAX_EMAIL_LENGTH:
        raise InvalidEmail(INVALID_EMAIL)
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidEmail(INVALID_EMAIL) from None
    email = f"{local}@{domain}"
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidEmail("email addresses are 254 characters at most")
    if any(_refused_in_email(ch) for ch in email):  # what the domain's mapping produced
        raise InvalidEmail(INVISIBLE_IN_EMAIL)
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidEmail(INVALID_EMAIL) from None
    return email


def normalized_or_none(raw: str | None) -> str | None:
    """``normalize_email``, or None for an address it refuses (a lookup that finds no one)."""
    if not raw:
        return None
    try:
        return normalize_email(raw)
    except InvalidEmail:
        return None


def _refused_in_email(ch: str) -> bool:
    return unicodedata.category(ch) in _REFUSED_IN_EMAIL or ch.isspace()


def clean_display_name(raw: str) -> str:
    """A display name as stored: surrounding white space dropped, 1 to 80 characters, no
    control characters, line breaks or direction overrides (``ServiceError``, 400)."""
    name = raw.strip()
    if not 1 <= len(name) <= MAX_DISPLAY_NAME_LENGTH:
        raise ServiceError("display_name must be 1 to 80 characters", code="invalid_field")
    if any(_refused_in_name(ch) for ch in name):
        raise ServiceError(
            "display_name may not contain line breaks, control characters or direction overrides",
            code="invalid_field",
        )
    return name


def scrub_display_name(raw: str) -> str:
    """A display name from elsewhere (a Cognito token), with what ``clean_display_name``
    refuses replaced by spaces, and cut to 80 characters; may be empty."""
    name = "".join(" " if _refused_in_name(ch) else ch for ch in raw)
    return " ".join(name.split())[:MAX_DISPLAY_NAME_LENGTH].strip()


def _refused_in_name(ch: str) -> bool:
    return unicodedata.category(ch) in _REFUSED_IN_NAME or ch in _DIRECTION_OVERRIDES


def identity_key(subject: str) -> str:
    """A keyed hash of an identity provider's subject: what is kept of it after erasure
    (``accounts.models.ErasedIdentity``), never the subject itself."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"erased-identity:" + subject.encode(), hashlib.sha256
    ).hexdigest()
