"""Who gets a socket on /ws/, and how revoked access closes open sockets."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async

from accounts import services
from accounts.models import User
from accounts.roles import Role
from realtime import codes, sweeper
from tests.helpers import bearer
from tests.realtime.helpers import (
    ORIGIN,
    communicator,
    expect_close,
    receive_json,
    session_cookie,
    token_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def authed(user: User):
    comm = communicator()
    connected, _ = await comm.connect()
    assert connected
    token = await database_sync_to_async(token_for)(user)
    await comm.send_json_to({"type": "auth", "token": token})
    ready = await receive_json(comm)
    assert ready["type"] == "ready"
    assert ready["user"]["id"] == user.pk
    return comm


async def test_foreign_origin_is_refused(make_user_async):
    comm = communicator(headers=[(b"origin", b"https://evil.example.com")])
    connected, _ = await comm.connect()
    assert not connected


async def test_missing_origin_is_refused(make_user_async):
    comm = communicator(headers=[])
    connected, _ = await comm.connect()
    assert not connected


async def test_socket_without_credentials_is_closed_after_the_auth_timeout(make_user_async):
    comm = communicator()
    connected, _ = await comm.connect()
    assert connected
    await expect_close(comm, codes.AUTH_TIMEOUT)


async def test_token_in_the_url_is_not_accepted(make_user_async):
    user = await make_user_async()
    token = await database_sync_to_async(token_for)(user)
    comm = communicator(f"/ws/?token={token}")
    await comm.connect()
    frames = await expect_close(comm, codes.AUTH_TIMEOUT)
    assert not [f for f in frames if f["type"] == "ready"]


async def test_first_frame_must_be_auth(make_user_async):
    comm = communicator()
    await comm.connect()
    await comm.send_json_to({"type": "ping"})
    frames = await expect_close(comm, codes.AUTH_FAILED)
    assert frames[0]["code"] == "auth_required"


async def test_bad_token_is_refused(make_user_async):
    comm = communicator()
    await comm.connect()
    await comm.send_json_to({"type": "auth", "token": "not.a.token"})
    frames = await expect_close(comm, codes.AUTH_FAILED)
    assert frames[0]["type"] == "error"


async def test_local_access_token_in_the_first_frame_signs_in(make_user_async):
    user = await make_user_async(Role.DIETITIAN)
    comm = await authed(user)
    await comm.send_json_to({"type": "ping"})
    assert await receive_json(comm) == {"type": "pong"}
    await comm.disconnect()


async def test_cognito_token_in_the_first_frame_signs_in(make_user_async, user_pool):
    comm = communicator()
    await comm.connect()
    await comm.send_json_to({"type": "auth", "token": user_pool.token()})
    ready = await receive_json(comm)
    assert ready["type"] == "ready"
    assert ready["user"]["display_name"] == "cognito-user"
    await comm.disconnect()


async def test_session_cookie_signs_in_without_an_auth_frame(make_user_async):
    user = await make_user_async()
    cookie = await database_sync_to_async(session_cookie)(user)
    comm = communicator(headers=[ORIGIN, cookie])
    connected, _ = await comm.connect()
    assert connected
    ready = await receive_json(comm)
    assert ready == {
        "type": "ready",
        "user": {"id": user.pk, "display_name": user.display_name, "role": "customer"},
    }
    await comm.disconnect()


async def test_session_from_before_a_logout_does_not_sign_in(make_user_async):
    user = await make_user_async()
    cookie = await database_sync_to_async(session_cookie)(user)
    await database_sync_to_async(services.revoke_access)(user)
    comm = communicator(headers=[ORIGIN, cookie])
    await comm.connect()
    frames = await expect_close(comm, codes.AUTH_TIMEOUT)
    assert not [f for f in frames if f["type"] == "ready"]


async def test_deactivated_users_open_socket_is_closed(make_user_async):
    user = await make_user_async()
    admin = await make_user_async(Role.ADMIN)
    bystander = await make_user_async()
    comm = await authed(user)
    other = await authed(bystander)

    await database_sync_to_async(services.set_active)(admin, user, False)

    frames = await expect_close(comm, codes.ACCESS_REVOKED)
    assert frames[-1]["code"] == "access_revoked"
    # Someone else's socket stays open and usable.
    await other.send_json_to({"type": "ping"})
    assert await receive_json(other) == {"type": "pong"}
    await other.disconnect()


async def test_logout_closes_the_users_sockets(make_user_async):
    user = await make_user_async()
    comm = await authed(user)

    @database_sync_to_async
    def log_out_over_http() -> int:
        from django.test import Client

        return Client().post("/api/auth/logout", **bearer(user)).status_code

    assert await log_out_over_http() == 204
    await expect_close(comm, codes.ACCESS_REVOKED)


async def test_deactivation_in_the_admin_closes_sockets(make_user_async):
    user = await make_user_async()
    comm = await authed(user)

    @database_sync_to_async
    def deactivate_like_the_admin() -> None:
        fresh = User.objects.get(pk=user.pk)
        fresh.is_active = False
        fresh.save()

    await deactivate_like_the_admin()
    await expect_close(comm, codes.ACCESS_REVOKED)


async def test_the_sweep_closes_sockets_whose_access_ended_without_a_message(
    make_user_async, settings
):
    settings.WS_ACCESS_SWEEP_SECONDS = 0.2
    user, keeper = await make_user_async(), await make_user_async()
    comm = await authed(user)
    kept = await authed(keeper)
    # A bulk update sends no signal and no channel-layer message: only the sweep sees it.
    await database_sync_to_async(User.objects.filter(pk=user.pk).update)(is_active=False)
    await expect_close(comm, codes.ACCESS_REVOKED, timeout=5)
    await kept.send_json_to({"type": "ping"})
    assert await receive_json(kept) == {"type": "pong"}
    await kept.disconnect()


async def test_password_change_closes_sockets_opened_before_it(make_user_async):
    user = await make_user_async()
    comm = await authed(user)
    await database_sync_to_async(services.change_password)(
        None, user, "plum-lentil-kale-42", "quinoa-beet-tahini-77"
    )
    await expect_close(comm, codes.ACCESS_REVOKED)


async def test_password_set_outside_the_services_closes_sockets(make_user_async):
    user = await make_user_async()
    comm = await authed(user)

    @database_sync_to_async
    def change_like_changepassword() -> None:
        fresh = User.objects.get(pk=user.pk)
        fresh.set_password("quinoa-beet-tahini-77")
        fresh.save()

    await change_like_changepassword()
    await expect_close(comm, codes.ACCESS_REVOKED)


async def test_a_revocation_landing_during_sign_in_still_closes_the_socket(make_user_async):
    """The socket counts from its token's issue time, not from when it signed in."""
    import time
    from datetime import UTC, datetime

    user = await make_user_async()
    token = await database_sync_to_async(token_for)(user)
    issued = time.time()
    await asyncio.sleep(0.5)
    comm = communicator()
    await comm.connect()
    await comm.send_json_to({"type": "auth", "token": token})
    assert (await receive_json(comm))["type"] == "ready"
    # Revoked after the token was issued but before this socket signed in, with no
    # message reaching the socket: only its credential time can tell.
    revoked_at = datetime.fromtimestamp(issued + 0.25, tz=UTC)
    await database_sync_to_async(User.objects.filter(pk=user.pk).update)(
        access_valid_after=revoked_at
    )
    assert await sweeper.sweep_once() == 1
    await expect_close(comm, codes.ACCESS_REVOKED)


async def test_absurdly_nested_json_gets_an_error_not_a_crash(make_user_async):
    user = await make_user_async()
    comm = await authed(user)
    await comm.send_to(text_data="[" * 60000)
    assert (await receive_json(comm))["code"] == "bad_frame"
    await comm.send_json_to({"type": "ping"})
    assert await receive_json(comm) == {"type": "pong"}
    anonymous = communicator()
    await anonymous.connect()
    await anonymous.send_to(text_data="[" * 60000)
    await expect_close(anonymous, codes.AUTH_FAILED)


async def test_a_malformed_session_cookie_is_treated_as_no_session(make_user_async):
    comm = communicator(headers=[ORIGIN, (b"cookie", b'sessionid="\\000abcdefghijk"')])
    connected, _ = await comm.connect()
    assert connected
    await expect_close(comm, codes.AUTH_TIMEOUT)


async def test_malformed_frames_get_an_error_and_the_socket_stays_usable(make_user_async):
    user = await make_user_async()
    comm = await authed(user)
    for bad in ["{not json", "[1, 2]", '{"no_type": 1}', '"text"']:
        await comm.send_to(text_data=bad)
        frame = await receive_json(comm)
        assert frame["type"] == "error"
        assert frame["code"] == "bad_frame"
    await comm.send_json_to({"type": "no-such-thing"})
    assert (await receive_json(comm))["code"] == "unknown_type"
    await comm.send_json_to({"type": "ping"})
    assert await receive_json(comm) == {"type": "pong"}
    await comm.disconnect()
    await asyncio.sleep(0)


@pytest.mark.parametrize(
    "origin",
    [
        b"http://localhost:8001",  # the same host on another port
        b"http://localhost",  # the default port is not this one
        b"http://localhost:8000.evil.example.com",
        b"null",
    ],
)
async def test_an_origin_other_than_the_site_itself_is_refused(make_user_async, origin):
    comm = communicator(headers=[(b"host", b"localhost:8000"), (b"origin", origin)])
    connected, _ = await comm.connect()
    assert not connected


async def test_an_origin_named_in_the_settings_is_let_in(make_user_async, settings):
    settings.WS_ALLOWED_ORIGINS = ["https://app.example.org"]
    comm = communicator(
        headers=[(b"host", b"localhost:8000"), (b"origin", b"https://app.example.org")]
    )
    connected, _ = await comm.connect()
    assert connected


async def test_a_token_socket_is_warned_then_closed_when_its_token_expires(
    make_user_async, settings
):
    settings.ACCESS_TOKEN_SECONDS = 2
    user = await make_user_async()
    comm = await authed(user)
    warning = await receive_json(comm, timeout=3)
    assert warning["type"] == "auth.expiring"  # less than a minute left: at once
    frames = await expect_close(comm, codes.TOKEN_EXPIRED, timeout=5)
    assert frames[-1]["code"] == "token_expired"


async def test_a_fresh_token_keeps_the_socket_signed_in(make_user_async, settings):
    settings.ACCESS_TOKEN_SECONDS = 2
    user = await make_user_async()
    comm = await authed(user)
    assert (await receive_json(comm))["type"] == "auth.expiring"
    settings.ACCESS_TOKEN_SECONDS = 900
    await comm.send_json_to(
        {"type": "auth", "token": await database_sync_to_async(token_for)(user)}
    )
    renewed = await receive_json(comm)
    assert renewed["type"] == "auth.renewed"
    await asyncio.sleep(2.5)  # past the first token's expiry
    await comm.send_json_to({"type": "ping"})
    assert await receive_json(comm) == {"type": "pong"}


async def test_a_token_of_someone_else_does_not_renew_a_socket(make_user_async):
    user, other = await make_user_async(), await make_user_async()
    comm = await authed(user)
    await comm.send_json_to(
        {"type": "auth", "token": await database_sync_to_async(token_for)(other)}
    )
    refused = await receive_json(comm)
    assert refused["type"] == "error" and refused["code"] == "wrong_user"
