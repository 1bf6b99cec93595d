from __future__ import annotations

import socket

import pytest

from tests.helpers import api_json

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_healthz_says_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert api_json(response)["status"] == "ok"


@pytest.mark.redis
@pytest.mark.postgres
def test_readyz_checks_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert api_json(response)["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_names_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = api_json(response)
    assert body["failing"] == ["redis"]
    assert body["checks"]["database"] == "ok"


def test_readyz_names_the_database_when_it_is_down(client, monkeypatch):
    from server import health

    monkeypatch.setattr(health, "_database_ok", lambda: False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "database" in api_json(response)["failing"]


def test_api_docs_and_schema_are_served(client):
    assert client.get("/api/docs").status_code == 200
    schema = api_json(client.get("/api/openapi.json"))
    assert "/api/auth/token" in schema["paths"]
