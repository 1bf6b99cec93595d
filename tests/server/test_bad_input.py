"""Bad input of any kind to any endpoint gets a 4xx with a message, never a 500.

Walks the OpenAPI schema, so a new endpoint is covered the day it is added.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from accounts.roles import Role
from server.api import api
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

BAD_BODIES: list[str | bytes] = [
    "",
    "not json",
    "[]",
    "null",
    "42",
    '{"unexpected": true}',
    '{"email": 123, "password": ["x"], "display_name": {"a": 1}}',
    json.dumps({"email": "a\x00b@example.org", "password": "p\x00" * 6, "display_name": "\x00"}),
    json.dumps({"refresh_token": "x" * 5000, "role": "y" * 500, "region": "\x00"}),
    json.dumps({"locale": "e" * 100, "time_zone": "../../etc/passwd", "display_name": ""}),
    "[" * 5000 + "]" * 5000,
    b"\xff\xfe\xfa binary",
]
BAD_IDS = ["abc", "-1", "0", "99999999999999999999999", "1.5", "%00"]
BAD_QUERIES = ["limit=abc", "offset=-5", "limit=99999999999999999999", "role=%00", "subject_id=x"]
BAD_AUTH = ["Bearer", "Bearer ", "Bearer " + "a" * 20000, "Basic Zm9vOmJhcg==", "Bearer a.b.c"]


def operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return [
        (path, method.upper())
        for path, methods in schema["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    ]


def assert_clear_4xx_or_ok(response, what: str) -> None:
    assert response.status_code < 500, f"{what} -> {response.status_code}: {response.content[:300]}"
    if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
        body = json.loads(response.content)
        assert body.get("message") or body.get("detail"), f"{what}: no message in {body}"


def call(client: Client, method: str, path: str, body: str | bytes | None, **extra):
    kwargs = dict(extra)
    if method != "GET" and body is not None:
        kwargs.update(data=body, content_type="application/json")
    return getattr(client, method.lower())(path, **kwargs)


@pytest.mark.parametrize(("path", "method"), operations())
def test_every_endpoint_answers_bad_input_with_a_4xx(path, method, make_user):
    admin = make_user(Role.ADMIN)
    target = make_user(Role.CUSTOMER)
    client = Client()
    auth = bearer(admin)

    concrete = re.sub(r"\{[^}]+\}", str(target.pk), path)
    for body in BAD_BODIES:
        for extra in (auth, {}):
            response = call(client, method, concrete, body, **extra)
            assert_clear_4xx_or_ok(response, f"{method} {concrete} body={body!r:.60}")

    if "{" in path:
        for bad_id in BAD_IDS:
            bad_path = re.sub(r"\{[^}]+\}", bad_id, path)
            response = call(client, method, bad_path, "{}", **auth)
            assert_clear_4xx_or_ok(response, f"{method} {bad_path}")

    for query in BAD_QUERIES:
        response = call(client, method, f"{concrete}?{query}", "{}", **auth)
        assert_clear_4xx_or_ok(response, f"{method} {concrete}?{query}")

    for header in BAD_AUTH:
        response = call(client, method, concrete, "{}", HTTP_AUTHORIZATION=header)
        assert_clear_4xx_or_ok(response, f"{method} {concrete} Authorization={header[:20]}")


def test_browser_pages_answer_bad_form_input_with_a_4xx(client, customer):
    for data in [
        {},
        {"email": "\x00", "password": "\x00"},
        {"email": "x" * 10000, "password": "y"},
    ]:
        assert client.post("/login", data).status_code == 400
        assert client.post("/signup", data).status_code == 400
