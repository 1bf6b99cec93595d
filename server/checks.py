"""What production mode refuses to start with."""

from __future__ import annotations

DEFAULT_SECRET_KEY = "insecure-embedded-only-secret-key-change-me"


def production_problems(
    *,
    debug: bool,
    secret_key: str,
    allowed_hosts: list[str],
    database_url: str,
    redis_url: str,
) -> list[str]:
    problems = []
    if debug:
        problems.append("DEBUG must be off")
    if not secret_key or secret_key == DEFAULT_SECRET_KEY or len(secret_key) < 32:
        problems.append("SECRET_KEY must be set to a private value of 32 characters or more")
    if not allowed_hosts or "*" in allowed_hosts:
        problems.append("ALLOWED_HOSTS must list the served host names, not '*'")
    if not database_url.startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL must point at PostgreSQL")
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        problems.append("REDIS_URL must point at Redis")
    return problems
