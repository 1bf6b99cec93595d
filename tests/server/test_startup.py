"""What a new user meets: the server starts with one command; unsafe production refuses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    for key in ("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "SERVER_MODE", "DATA_DIR"):
        env.pop(key, None)
    env["PYTHON"] = sys.executable
    env.update(extra)
    return env


def test_serve_starts_in_embedded_mode_and_answers_healthz_within_a_minute(tmp_path):
    port = free_port()
    env = clean_env(DATA_DIR=str(tmp_path / "data"), PORT=str(port))
    started = time.monotonic()
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "serve")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        while time.monotonic() - started < 60 and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert body is not None, "no answer on /healthz within a minute"
        assert '"mode": "embedded"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            assert r.status == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    # The demo accounts are created and their passwords printed.
    assert "dietitian@demo.edietitian.local" in output
    assert (tmp_path / "data" / "db.sqlite3").exists()


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    code = "import django; django.setup(); print('loaded')"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(DJANGO_SETTINGS_MODULE="server.settings", **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


SAFE = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "a-long-private-production-secret-0123456789",
    "ALLOWED_HOSTS": "community.example.org",
    "DEBUG": "0",
}


def test_production_mode_starts_with_safe_settings():
    result = load_settings(**SAFE)
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"DEBUG": "1"}, "DEBUG must be off"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "sqlite:///x.db", "SERVER_MODE": "production"}, "DATABASE_URL"),
    ],
)
def test_production_mode_refuses_unsafe_settings(override, complaint):
    env = {**SAFE, **override}
    if "SECRET_KEY" in override and not override["SECRET_KEY"]:
        env.pop("SECRET_KEY")
    result = load_settings(**env)
    assert result.returncode != 0
    assert "Refusing to start in production mode" in result.stderr
    assert complaint in result.stderr
