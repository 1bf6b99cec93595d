"""Numbers, dates and bodies out of bounds get a clear 4xx (or an ``error`` frame), never
a 500: ids past 2**63 in paths, lists, queries and topics (SQLite raises on them, so the
embedded server is probed too), years like 9999, naive times, and bodies over the limit.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import websockets

from accounts.bounds import MAX_ID
from accounts.roles import Role
from community.models import Category
from events.models import Event
from realtime.registry import registry
from server.api import api
from tests.helpers import api_json, bearer
from tests.live import Server, clean_env, with_migrated_sqlite

HUGE = 2**70  # 1180591620717411303424
IN_9999 = "9999-12-31T23:59:00Z"
IN_9999_WEST = "9999-12-31T23:00:00-05:00"
NAIVE = "2030-01-01T10:00:00"


# --- the schemas: every integer and every date a client sends is bounded ----------------


def _walk(schema: dict[str, Any], defs: dict[str, Any], where: str) -> Iterator[tuple[str, dict]]:
    """Every leaf schema under ``schema`` (through $ref, anyOf, arrays and objects)."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from _walk(option, defs, where)
    if schema.get("type") == "array" and "items" in schema:
        yield from _walk(schema["items"], defs, where + "[]")
    for name, sub in schema.get("properties", {}).items():
        yield from _walk(sub, defs, f"{where}.{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _walk(schema["additionalProperties"], defs, where + "{}")
    yield where, schema


def http_inputs() -> Iterator[tuple[str, dict]]:
    """The query parameters and request bodies of every endpoint (path parameters are
    bounded by ``server.middleware.BoundPathNumbersMiddleware``, for pages too)."""
    document = api.get_openapi_schema()
    defs = document.get("components", {}).get("schemas", {})
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":
                    yield from _walk(
                        parameter["schema"], defs, f"{method} {path}?{parameter['name']}"
                    )
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                yield from _walk(body["schema"], defs, f"{method} {path} body")


def socket_inputs() -> Iterator[tuple[str, dict]]:
    for name, action in registry.actions.items():
        schema = action.schema.model_json_schema()
        yield from _walk(schema, schema.get("$defs", {}), name)


def test_every_integer_a_client_sends_is_within_the_64_bit_range():
    unbounded = [
        where
        for where, leaf in [*http_inputs(), *socket_inputs()]
        if leaf.get("type") == "integer" and not leaf.get("maximum", MAX_ID + 1) <= MAX_ID
    ]
    assert unbounded == []


def test_every_date_and_time_a_client_sends_is_bounded():
    unbounded = [
        where
        for where, leaf in [*http_inputs(), *socket_inputs()]
        if leaf.get("format") in ("date", "date-time") and "formatMinimum" not in leaf
    ]
    assert unbounded == []


# --- dates on every endpoint that takes one -------------------------------------------


@pytest.fixture
def organiser(make_user):
    return make_user(Role.ADMIN, time_zone="America/Toronto")


def _event(**fields: Any) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=3)
    return {
        "title": "Cooking with lentils",
        "kind": "virtual",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        **fields,
    }


def _class(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Label reading",
        "wellness_education": True,
        "first_start": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        "duration_minutes": 60,
        "sessions": 2,
        **fields,
    }


def _survey(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Water",
        "closes_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        "questions": [{"kind": "single", "text": "Glasses?", "options": ["1", "2"]}],
        **fields,
    }


def _category(**fields: Any) -> dict[str, Any]:
    return {"name": "Winter", "slug": f"winter-{len(fields)}", **fields}


def _topic(**fields: Any) -> dict[str, Any]:
    return {"title": "Soups", "body": "Which ones?", **fields}


# An offset no clock uses (PostgreSQL refuses past 15:59; Python takes up to 23:59).
FAR_OFFSET = "2030-01-01T00:00:00+23:59"


@pytest.mark.parametrize(
    "bad",
    [IN_9999, IN_9999_WEST, NAIVE, "1999-12-31T23:59:59Z", FAR_OFFSET, "2030-01-01T00:00-14:30"],
)
def test_every_endpoint_taking_a_date_refuses_one_out_of_range_or_without_offset(
    client, organiser, bad
):
    auth = bearer(organiser)
    event = client.post("/api/events", _event(), content_type="application/json", **auth)
    assert event.status_code == 201
    category = Category.objects.create(name="Open", slug="open")
    attempts = [
        ("post", "/api/events", _event(ends_at=bad)),
        ("post", "/api/events", _event(starts_at=bad)),
        ("patch", f"/api/events/{api_json(event)['id']}", {"ends_at": bad}),
        ("post", "/api/classes", _class(first_start=bad)),
        ("post", "/api/surveys", _survey(closes_at=bad)),
        ("post", "/api/surveys", _survey(opens_at=bad)),
        ("post", "/api/forum/categories", _category(ends_at=bad)),
        ("post", "/api/forum/categories", _category(starts_at=bad)),
        ("post", f"/api/forum/categories/{category.pk}/threads", _topic(ends_at=bad)),
        ("post", f"/api/forum/categories/{category.pk}/threads", _topic(starts_at=bad)),
    ]
    for method, path, body in attempts:
        response = getattr(client, method)(path, body, content_type="application/json", **auth)
        assert response.status_code == 422, (method, path, body, response.content[:300])
        assert api_json(response)["code"] == "invalid_input"
    assert Event.objects.count() == 1


def test_a_class_whose_sessions_would_run_past_the_span_is_refused(client, organiser):
    weekly_to_2100 = _class(first_start="2099-06-01T18:00:00Z", sessions=52)
    response = client.post(
        "/api/classes", weekly_to_2100, content_type="application/json", **bearer(organiser)
    )
    assert response.status_code == 400, response.content[:300]
    assert api_json(response)["code"] == "invalid_field"
    assert Event.objects.count() == 0


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_the_event_listing_refuses_days_out_of_range(client, customer, day):
    for query in (f"start={day}", f"end={day}"):
        response = client.get(f"/api/events?{query}", **bearer(customer))
        assert response.status_code == 422, response.content[:300]


def test_the_listing_works_for_a_member_in_tokyo_after_someone_tried_year_9999(
    client, organiser, make_user
):
    auth = bearer(organiser)
    refused = client.post(
        "/api/events", _event(ends_at=IN_9999), content_type="application/json", **auth
    )
    assert refused.status_code == 422
    # The latest a time may be: shown in Tokyo it is already in 2100, and that is fine.
    latest = client.post(
        "/api/events",
        _event(ends_at="2099-12-31T23:59:00Z"),
        content_type="application/json",
        **auth,
    )
    assert latest.status_code == 201, latest.content[:300]
    tokyo = make_user(Role.CUSTOMER, time_zone="Asia/Tokyo")
    listing = client.get("/api/events", **bearer(tokyo))
    assert listing.status_code == 200
    (shown,) = api_json(listing)
    assert shown["ends_local"] == "2100-01-01T08:59:00+09:00"
    detail = client.get(f"/api/events/{shown['id']}/event.ics", **bearer(tokyo))
    assert detail.status_code == 200


# --- bodies over the limit -------------------------------------------------------------


def test_a_body_over_the_limit_answers_413_with_a_json_error(client, organiser, settings):
    big = json.dumps(_event(description="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)))
    response = client.post("/api/events", big, content_type="application/json", **bearer(organiser))
    assert response.status_code == 413
    assert api_json(response)["code"] == "too_large"


# --- the embedded server (SQLite): huge numbers everywhere ------------------------------


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``scripts/serve`` with no services named: embedded mode, SQLite, DEBUG on."""
    workdir = with_migrated_sqlite(
        tmp_path_factory.mktemp("bounds"), tmp_path_factory.getbasetemp() / "sqlite-template"
    )
    server = Server(clean_env(), workdir, migrate=True)
    yield server
    server.stop()


def raw_call(
    server: Server, method: str, path: str, body: bytes | None, token: str | None = None
) -> tuple[int, str, bytes]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(server.url + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as failed:
        return failed.code, failed.headers.get("Content-Type", ""), failed.read()


def demo_token(server: Server, role: str) -> str:
    """An access token of the demo account with ``role`` (made by ``make run``)."""
    accounts = Path(server.log.name).with_name("demo-accounts.txt").read_text()
    for line in accounts.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == role:
            status, tokens = server.call(
                "POST", "/api/auth/token", {"email": parts[1], "password": parts[2]}
            )
            assert status == 200, tokens
            return str(tokens["access_token"])
    raise AssertionError(f"no demo {role}")


def test_embedded_ids_past_the_64_bit_range_in_any_path_answer_404(embedded):
    admin = demo_token(embedded, "admin")
    failures = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        if "{" not in path:
            continue
        for method in methods:
            concrete = "/api" + re.sub(r"\{[^}]+\}", str(HUGE), path.removeprefix("/api"))
            body = None if method == "get" else b"{}"
            status, kind, content = raw_call(embedded, method.upper(), concrete, body, admin)
            if status != 404 or not kind.startswith("application/json"):
                failures.append((method, concrete, status, content[:120]))
            elif json.loads(content)["code"] != "not_found":
                failures.append((method, concrete, status, content[:120]))
    assert failures == []


def test_embedded_ids_past_the_64_bit_range_in_lists_and_queries_answer_422(embedded):
    admin = demo_token(embedded, "admin")
    attempts = [
        ("POST", "/api/conversations", {"members": [HUGE]}),
        ("POST", "/api/notifications/read", {"ids": [HUGE]}),
        ("GET", f"/api/audit?subject_id={HUGE}", None),
    ]
    for method, path, body in attempts:
        data = json.dumps(body).encode() if body is not None else None
        status, _, content = raw_call(embedded, method, path, data, admin)
        assert status == 422, (method, path, status, content[:300])
        assert json.loads(content)["code"] == "invalid_input"


def test_embedded_a_body_over_the_limit_answers_413_with_a_json_error(embedded):
    dietitian = demo_token(embedded, "dietitian")
    big = json.dumps(_event(description="x" * 3_000_000)).encode()
    status, kind, content = raw_call(embedded, "POST", "/api/events", big, dietitian)
    assert status == 413 and kind.startswith("application/json"), content[:300]
    assert json.loads(content)["code"] == "too_large"


async def test_embedded_topics_with_ids_past_the_64_bit_range_are_refused_not_internal(
    embedded,
):
    _, token = await asyncio.to_thread(embedded.sign_up, "huge")
    origin = f"http://127.0.0.1:{embedded.port}"
    async with websockets.connect(embedded.ws_url(), origin=origin) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "ready"
        for kind in ("dm", "forum", "thread", "event", "survey", "user"):
            for key in (str(HUGE), str(MAX_ID + 1), "0"):
                topic = f"{kind}:{key}"
                await socket.send(json.dumps({"type": "subscribe", "topic": topic}))
                reply = json.loads(await asyncio.wait_for(socket.recv(), 5))
                assert reply["type"] == "error", (topic, reply)
                assert reply["code"] in ("forbidden", "unknown_topic"), (topic, reply)


@pytest.mark.parametrize("name", ["America", "Europe/", "../etc/passwd", "UTC\x00", "Not/AZone"])
def test_every_endpoint_taking_a_time_zone_refuses_one_that_is_not_a_zone(client, organiser, name):
    auth = bearer(organiser)
    event = client.post("/api/events", _event(), content_type="application/json", **auth)
    attempts = [
        ("post", "/api/events", _event(time_zone=name)),
        ("patch", f"/api/events/{api_json(event)['id']}", {"time_zone": name}),
        ("post", "/api/classes", _class(time_zone=name)),
        ("patch", "/api/me", {"time_zone": name}),
    ]
    for method, path, body in attempts:
        response = getattr(client, method)(path, body, content_type="application/json", **auth)
        assert 400 <= response.status_code < 500, (method, path, response.content[:300])
