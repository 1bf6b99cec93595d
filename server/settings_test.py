"""Settings for the test suite: production mode against real PostgreSQL and Redis.

Defaults point at the local services. When one is unreachable and ``CI`` is not set,
the suite falls back to SQLite or the in-process layer and the tests marked
``postgres``/``redis`` skip with the reason; under ``CI=true`` they must run.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789abcdefghijklmnop")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("DATA_DIR", "/tmp/edietitian-tests")  # noqa: S108


def _worker_index() -> int:
    """Which pytest-xdist worker this process is (gw0, gw1, ...): 0 when not parallel."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker.removeprefix("gw")) if worker.startswith("gw") else 0


def _own_redis_database(url: str, index: int) -> str:
    """Worker N of a parallel run uses the Redis database N after the one named: the rate
    limits, presence and channel layer of one worker never see another's keys."""
    parts = urlsplit(url)
    if index == 0 or not parts.scheme.startswith("redis"):
        return url
    number = int(parts.path.strip("/") or 0) + index
    if number > 15:
        raise RuntimeError(
            f"REDIS_URL {url}: worker {index} would need Redis database {number} (0-15); "
            "name a lower database or run fewer workers"
        )
    return parts._replace(path=f"/{number}").geturl()


# Each xdist worker has its own Redis database and data directory; pytest-django gives it
# a test database of its own (test_<name>_gw<N>).
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["REDIS_URL"] = _own_redis_database(os.environ["REDIS_URL"], _worker_index())
    os.environ["DATA_DIR"] = f"{os.environ['DATA_DIR']}-{os.environ['PYTEST_XDIST_WORKER']}"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


POSTGRES_AVAILABLE = _reachable(os.environ["DATABASE_URL"], 5432)
REDIS_AVAILABLE = _reachable(os.environ["REDIS_URL"], 6379)
if os.environ.get("CI", "").lower() == "true" and not (POSTGRES_AVAILABLE and REDIS_AVAILABLE):
    raise RuntimeError("CI=true: PostgreSQL and Redis must be reachable for the test suite")
if not POSTGRES_AVAILABLE:
    os.environ["DATABASE_URL"] = ""
if not REDIS_AVAILABLE:
    os.environ["REDIS_URL"] = ""
if not (POSTGRES_AVAILABLE and REDIS_AVAILABLE):
    os.environ["SERVER_MODE"] = "embedded"

from server.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
ALERT_DEFAULTS_SECONDS = 0  # each test's rules are rolled back: never kept between tests
WS_AUTH_TIMEOUT_SECONDS = 1.0
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405  (no connection outlives a test)
# pytest-django's test database is made after the pool would open: no pool in tests.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)  # noqa: F405
