"""The WebSocket handshake's Origin must be this site itself (host and port), or an origin
named in ``WS_ALLOWED_ORIGINS``.

Channels' ``AllowedHostsOriginValidator`` compares host names only, so a page served on
another port of an allowed host (another program on the same machine, a development
server) could open a signed-in socket with the visitor's cookie. Here the Origin's host and
port must equal those the client connected to (the ``Host`` header), and the host must be
in ``ALLOWED_HOSTS`` as before. The scheme is not compared: behind a proxy that ends TLS
the server cannot tell, and one port does not serve both. docs/adr/0004.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import validate_host

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            try:
                return str(value.decode("latin1"))
            except UnicodeDecodeError:
                return None
    return None


def _host_port(parts: SplitResult, default_port: int) -> tuple[str, int] | None:
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname.lower(), port or default_port


def origin_allowed(origin: str | None, host: str | None) -> bool:
    if not origin:
        return False
    origin = origin.strip().lower().rstrip("/")
    if origin in {o.lower().rstrip("/") for o in settings.WS_ALLOWED_ORIGINS}:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in DEFAULT_PORTS or host is None:
        return False
    default = DEFAULT_PORTS[parts.scheme]
    source = _host_port(parts, default)
    target = _host_port(urlsplit("//" + host.strip()), default)
    if source is None or target is None or source != target:
        return False
    return validate_host(source[0], settings.ALLOWED_HOSTS)


class SameOriginValidator:
    """ASGI wrapper: hand the handshake on only from an allowed origin, else refuse (403)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if origin_allowed(_header(scope, b"origin"), _header(scope, b"host")):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
