"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving."""
    return JsonResponse({"status": "ok", "mode": settings.SERVER_MODE})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as exc:
        logger.warning("readiness: database unreachable: %s", exc)
        return False


def _redis_ok() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception as exc:
        logger.warning("readiness: redis unreachable: %s", exc)
        return False


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and Redis (when configured) answer; 503 naming what does not."""
    checks = {"database": "ok" if _database_ok() else "unreachable"}
    if settings.REDIS_URL:
        checks["redis"] = "ok" if _redis_ok() else "unreachable"
    else:
        checks["redis"] = "not used (embedded mode)"
    failing = [name for name, state in checks.items() if state == "unreachable"]
    body = {"status": "unavailable" if failing else "ready", "checks": checks, "failing": failing}
    return JsonResponse(body, status=503 if failing else 200)
