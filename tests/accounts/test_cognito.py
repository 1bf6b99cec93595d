"""Cognito bearer JWTs: accepted when every check passes, refused for each way one fails."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts import cognito
from accounts.erasure import erase
from accounts.models import ErasedIdentity, User
from accounts.roles import Role
from core.errors import InvalidToken
from tests.helpers import CLIENT_ID, ISSUER, FakeUserPool, api_json, b64url, bearer

pytestmark = pytest.mark.django_db


def get_me(client: Client, token: str):
    return client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_refused(client: Client, token: str, reason: str) -> None:
    response = get_me(client, token)
    assert response.status_code == 401, response.content
    body = api_json(response)
    assert body["code"] == "invalid_token"
    assert reason in body["message"]


def test_valid_access_token_signs_in_and_creates_the_user_once(client, user_pool):
    response = get_me(client, user_pool.token())
    assert response.status_code == 200, response.content
    body = api_json(response)
    assert body["role"] == Role.CUSTOMER
    assert body["display_name"] == "cognito-user"
    again = get_me(client, user_pool.token())
    assert api_json(again)["id"] == body["id"]
    assert User.objects.filter(cognito_sub=user_pool.claims()["sub"]).count() == 1


def test_groups_map_to_roles_and_follow_changes(client, user_pool):
    token = user_pool.token(**{"cognito:groups": ["customers", "dietitians"]})
    assert api_json(get_me(client, token))["role"] == Role.DIETITIAN
    token = user_pool.token(**{"cognito:groups": ["moderators"]})
    assert api_json(get_me(client, token))["role"] == Role.MODERATOR
    token = user_pool.token(**{"cognito:groups": ["analysts", "dietitians"]})
    assert api_json(get_me(client, token))["role"] == Role.ANALYST
    token = user_pool.token(**{"cognito:groups": []})
    assert api_json(get_me(client, token))["role"] == Role.CUSTOMER


def test_wrong_issuer_is_refused(client, user_pool):
    assert_refused(client, user_pool.token(iss="https://evil.example.org/pool"), "issuer")


def test_token_from_another_pool_is_refused(client, user_pool):
    other_pool_issuer = (
        f"https://cognito-idp.{settings.COGNITO_REGION}.amazonaws.com/eu-west-1_Other"
    )
    assert_refused(client, user_pool.token(iss=other_pool_issuer), "issuer")


def test_token_signed_by_another_pools_key_is_refused(client, user_pool):
    other = FakeUserPool()  # its own key-1, never published by our pool
    assert_refused(client, other.token(), "invalid token")


def test_id_token_where_an_access_token_is_required_is_refused(client, user_pool):
    assert_refused(client, user_pool.token(token_use="id"), "id tokens are not accepted")


def test_id_token_accepted_when_configured_and_checked_against_aud(client, user_pool, settings):
    settings.COGNITO_TOKEN_USE = ["access", "id"]
    cognito._verifier = None
    response = get_me(client, user_pool.token(token_use="id"))
    assert response.status_code == 200
    assert api_json(response)["email"] == "pool.user@example.org"
    assert_refused(
        client, user_pool.token(token_use="id", aud="someone-else"), "another app client"
    )


def test_wrong_client_id_is_refused(client, user_pool):
    assert_refused(client, user_pool.token(client_id="another-client"), "another app client")


def test_access_token_without_client_id_is_refused(client, user_pool):
    assert_refused(client, user_pool.token(client_id=None), "another app client")


def test_expired_token_is_refused(client, user_pool):
    now = int(time.time())
    assert_refused(client, user_pool.token(iat=now - 7200, exp=now - 3600), "expired")


def test_alg_none_is_refused(client, user_pool):
    assert_refused(client, user_pool.unsigned_token("none", b""), "RS256")


def test_hs256_signed_with_the_public_key_is_refused(client, user_pool):
    forged = user_pool.unsigned_token("HS256", user_pool.public_pem())
    assert_refused(client, forged, "invalid token")
    assert not User.objects.filter(cognito_sub=user_pool.claims()["sub"]).exists()


def test_tampered_payload_is_refused(client, user_pool):
    header, _, signature = user_pool.token().split(".")
    claims = user_pool.claims(**{"cognito:groups": ["admins"]})
    payload = b64url(json.dumps(claims).encode())
    assert_refused(client, f"{header}.{payload}.{signature}", "invalid token")


def test_unknown_kid_refetches_exactly_once(client, user_pool):
    assert get_me(client, user_pool.token()).status_code == 200
    assert user_pool.fetches == 1
    user_pool.add_key("key-unpublished", publish=False)
    forged = user_pool.token(kid="key-unpublished")
    assert_refused(client, forged, "unknown key")
    assert user_pool.fetches == 2
    # Within the interval, further unknown kids cost no more fetches.
    assert_refused(client, forged, "unknown key")
    assert_refused(client, user_pool.token(kid="key-unpublished", sub="another"), "unknown key")
    assert user_pool.fetches == 2


def test_rotated_key_is_accepted_after_the_refetch(client, user_pool):
    assert get_me(client, user_pool.token()).status_code == 200
    user_pool.add_key("key-2", publish=True)  # the pool rotates its signing key
    response = get_me(client, user_pool.token(kid="key-2"))
    assert response.status_code == 200, response.content
    assert user_pool.fetches == 2


def test_refetch_allowed_again_after_the_interval():
    pool = FakeUserPool()
    now = [1000.0]
    cache = cognito.JwksCache("unused", refetch_seconds=60, fetch=pool.fetch, clock=lambda: now[0])
    cache.key_for("key-1")
    for _ in range(3):
        with pytest.raises(InvalidToken):
            cache.key_for("key-9")
    assert pool.fetches == 2
    now[0] += 61
    pool.add_key("key-9", publish=True)
    assert cache.key_for("key-9").key_id == "key-9"
    assert pool.fetches == 3


def test_unreachable_jwks_gives_401_not_500(client, user_pool, monkeypatch):
    def down(url: str):
        raise OSError("connection refused")

    monkeypatch.setattr(cognito, "fetch_jwks", down)
    cognito._verifier = None
    assert_refused(client, user_pool.token(), "keys are unavailable")


def test_cognito_not_configured_refuses_rs256_tokens(client, settings):
    settings.COGNITO_USER_POOL_ID = ""
    cognito._verifier = None
    pool = FakeUserPool()
    assert get_me(client, pool.token()).status_code == 401


def test_deactivated_cognito_user_is_refused(client, user_pool):
    assert get_me(client, user_pool.token()).status_code == 200
    User.objects.filter(cognito_sub=user_pool.claims()["sub"]).update(is_active=False)
    response = get_me(client, user_pool.token())
    assert response.status_code == 401
    assert api_json(response)["code"] == "inactive"


def test_verified_email_of_a_local_account_is_not_taken_over(
    client, user_pool, make_user, settings
):
    settings.COGNITO_TOKEN_USE = ["id"]
    cognito._verifier = None
    local = make_user(email="pool.user@example.org")
    body = api_json(get_me(client, user_pool.token(token_use="id")))
    assert body["id"] != local.pk
    assert body["email"] is None


class _JwksHandler(BaseHTTPRequestHandler):
    document: bytes = b"{}"
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.document)

    def log_message(self, *args: object) -> None:
        pass


def test_keys_are_fetched_over_http_from_the_configured_url(client, settings):
    pool = FakeUserPool()
    _JwksHandler.document = json.dumps(pool.jwks()).encode()
    server = HTTPServer(("127.0.0.1", 0), _JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.COGNITO_REGION = "eu-west-1"
        settings.COGNITO_USER_POOL_ID = ISSUER.rsplit("/", 1)[1]
        settings.COGNITO_APP_CLIENT_IDS = [CLIENT_ID]
        settings.COGNITO_TOKEN_USE = ["access"]
        settings.COGNITO_JWKS_URL = f"http://127.0.0.1:{server.server_port}/jwks.json"
        cognito._verifier = None
        assert get_me(client, pool.token()).status_code == 200
        assert get_me(client, pool.token()).status_code == 200
        assert _JwksHandler.hits == 1  # cached after the first fetch
    finally:
        server.shutdown()
        cognito._verifier = None


def test_keys_are_read_from_a_configured_file(client, settings, tmp_path):
    pool = FakeUserPool()
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(pool.jwks()))
    settings.COGNITO_REGION = "eu-west-1"
    settings.COGNITO_USER_POOL_ID = ISSUER.rsplit("/", 1)[1]
    settings.COGNITO_APP_CLIENT_IDS = [CLIENT_ID]
    settings.COGNITO_JWKS_URL = f"file://{path}"
    cognito._verifier = None
    try:
        assert get_me(client, pool.token()).status_code == 200
    finally:
        cognito._verifier = None


def test_cognito_verifier_itself_refuses_hs256_and_none(user_pool):
    verifier = cognito.get_verifier()
    assert verifier is not None
    for forged in (
        user_pool.unsigned_token("HS256", user_pool.public_pem()),
        user_pool.unsigned_token("none", b""),
    ):
        with pytest.raises(InvalidToken, match="only RS256"):
            verifier.verify(forged)


def test_jwks_outage_on_first_load_costs_one_fetch_per_interval(client, user_pool, monkeypatch):
    calls = []

    def down(url: str):
        calls.append(url)
        raise OSError("connection refused")

    monkeypatch.setattr(cognito, "fetch_jwks", down)
    cognito._verifier = None
    for _ in range(5):
        assert_refused(client, user_pool.token(), "keys are unavailable")
    assert len(calls) == 1


def test_unverified_email_claims_are_not_taken(client, user_pool, settings):
    settings.COGNITO_TOKEN_USE = ["id"]
    cognito._verifier = None
    token = user_pool.token(token_use="id", email_verified="false")
    assert api_json(get_me(client, token))["email"] is None


def test_a_local_signup_taking_the_address_first_does_not_break_cognito_sign_in(
    client, user_pool, make_user, settings, monkeypatch
):
    from accounts import services

    settings.COGNITO_TOKEN_USE = ["id"]
    cognito._verifier = None
    make_user(email="pool.user@example.org")
    # As if the address was free when checked, and taken just before the insert.
    monkeypatch.setattr(services, "_verified_email", lambda claims: "pool.user@example.org")
    response = get_me(client, user_pool.token(token_use="id"))
    assert response.status_code == 200
    assert api_json(response)["email"] is None


def test_roles_of_cognito_users_are_managed_in_the_pool(client, user_pool, make_user):
    admin = make_user(Role.ADMIN)
    user_id = api_json(get_me(client, user_pool.token(**{"cognito:groups": ["moderators"]})))["id"]
    response = client.put(
        f"/api/users/{user_id}/role",
        {"role": "customer"},
        content_type="application/json",
        **bearer(admin),
    )
    assert response.status_code == 409
    assert api_json(response)["code"] == "role_managed_by_cognito"


def test_a_token_from_before_an_erasure_does_not_make_the_account_again(client, user_pool):
    signed_in = int(time.time()) - 120
    token = user_pool.token(iat=signed_in, auth_time=signed_in)
    first = api_json(get_me(client, token))
    erase(User.objects.get(pk=first["id"]))
    # The erasure was a minute ago; the token's sign-in before it.
    ErasedIdentity.objects.update(erased_at=timezone.now() - timedelta(seconds=60))
    # The same token, issued before the erasure: refused, and no account is made.
    assert_refused(client, token, "erased")
    assert User.objects.filter(is_active=True).count() == 0
    # Signing in again afterwards makes a new account, unrelated to the erased one.
    again = api_json(get_me(client, user_pool.token()))
    assert again["id"] != first["id"] and again["display_name"] == "cognito-user"
    erased = User.objects.get(pk=first["id"])
    assert erased.cognito_sub is None and erased.erased_at is not None
    # What is kept of the subject is a keyed hash, never the subject itself.
    sub = user_pool.claims()["sub"]
    assert not any(sub in key for key in ErasedIdentity.objects.values_list("key", flat=True))
