"""Database sessions that ignore malformed session keys.

Django keys are 32 characters of ``[a-z0-9]``. Anything else in the cookie (a NUL byte,
quotes, a 10 KB string) is treated as no session, instead of reaching the database.
"""

from __future__ import annotations

import re

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

VALID_KEY = re.compile(r"^[a-z0-9]{8,64}$")


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return bool(key) and VALID_KEY.match(key or "") is not None
