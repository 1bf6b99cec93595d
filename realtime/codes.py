"""WebSocket close codes, as documented in docs/realtime-protocol.md."""

from __future__ import annotations

# 4000-4999 are for applications (RFC 6455, 7.4.2).
AUTH_FAILED = 4401  # the auth frame's token was refused, or the first frame was not auth
ACCESS_REVOKED = 4403  # logout, password change or deactivation ended this user's access
AUTH_TIMEOUT = 4408  # no auth frame within the allowed time
TOKEN_EXPIRED = 4419  # the access token the socket signed in with expired, and no new one came
TOO_FAR_BEHIND = 4500  # the send queue passed its bound: reconnect and resume from the cursor
