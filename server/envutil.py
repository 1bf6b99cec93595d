"""Small readers for typed environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def behind_proxy() -> bool:
    """``BEHIND_PROXY`` (``BEHIND_TLS_PROXY`` implies it): every request comes through our
    own proxy, so its ``X-Forwarded-For`` may be believed. ``scripts/serve`` asks this
    before it hands daphne ``--proxy-headers``; the settings read it too."""
    return env_bool("BEHIND_PROXY", default=env_bool("BEHIND_TLS_PROXY", default=False))


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def embedded_secret_key(data_dir: Path) -> str:
    """A random key made once per installation and kept in the data directory, so no two
    embedded servers share a key and none uses a key published with the code."""
    path = data_dir / "secret_key"
    try:
        key = path.read_text().strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
