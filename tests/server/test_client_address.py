"""The address the sign-in limits count is the connection's own, or, behind our own proxy,
the one that proxy wrote: never an address the client wrote in ``X-Forwarded-For``.
Real servers (``scripts/serve``, daphne) as ``make run``, the image and Compose run them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import CONSENTS
from tests.live import PASSWORD, ROOT, Cluster, Server

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

CLIENT_FAILURES = 5


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = Cluster(
        tmp_path_factory.mktemp("client-address"),
        SIGN_IN_CLIENT_FAILURES=str(CLIENT_FAILURES),
        SIGN_IN_ACCOUNT_FAILURES="3",
    )
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def direct(cluster: Cluster) -> Server:
    """No proxy in front (the default): ``make run``, or a container reached directly."""
    return cluster.start_server()


@pytest.fixture(scope="module")
def proxied(cluster: Cluster, direct: Server) -> Server:
    """Behind our proxy, which writes the last ``X-Forwarded-For`` entry itself."""
    return cluster.start_server(BEHIND_PROXY="1")


def sign_in(server: Server, email: str, password: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    status, _ = server.call(
        "POST", "/api/auth/token", {"email": email, "password": password}, headers=headers
    )
    return status


def daphne_arguments(server: Server) -> list[str]:
    return Path(f"/proc/{server.process.pid}/cmdline").read_text().split("\0")


def nobody() -> str:
    return f"nobody-{uuid.uuid4().hex[:8]}@example.org"


def test_a_client_rotating_x_forwarded_for_is_limited_all_the_same(direct):
    assert "--proxy-headers" not in daphne_arguments(direct)
    statuses = [
        sign_in(direct, nobody(), "wrong-password", forwarded_for=f"198.51.100.{n}")
        for n in range(CLIENT_FAILURES + 2)
    ]
    assert statuses == [401] * CLIENT_FAILURES + [429, 429]


def test_behind_our_proxy_the_entry_it_wrote_is_the_client(proxied):
    assert "--proxy-headers" in daphne_arguments(proxied)
    # What the client put in front of our proxy's entry changes nothing ...
    statuses = [
        sign_in(proxied, nobody(), "wrong-password", forwarded_for=f"6.6.6.{n}, 203.0.113.9")
        for n in range(CLIENT_FAILURES + 1)
    ]
    assert statuses == [401] * CLIENT_FAILURES + [429]
    # ... and another client (another entry from our proxy) is not held back.
    assert sign_in(proxied, nobody(), "wrong-password", forwarded_for="203.0.113.10") == 401


def test_a_written_address_does_not_make_an_attacker_known_to_the_account(proxied):
    owner, email = "203.0.113.50", nobody().replace("nobody", "vic")
    status, _ = proxied.call(
        "POST",
        "/api/auth/signup",
        {"email": email, "password": PASSWORD, "display_name": "Vic Victim", "consents": CONSENTS},
        headers={"X-Forwarded-For": owner},
    )
    assert status == 202
    proxied.confirm_address(email)
    assert sign_in(proxied, email, PASSWORD, forwarded_for=owner) == 200
    # The attacker names the owner's address; our proxy appends the attacker's own.
    attacker = f"{owner}, 198.51.100.66"
    assert [sign_in(proxied, email, "guess-guess", forwarded_for=attacker) for _ in range(3)] == [
        401
    ] * 3
    assert sign_in(proxied, email, PASSWORD, forwarded_for=attacker) == 429
    # The owner, at the address of the last sign-in, is not locked out.
    assert sign_in(proxied, email, PASSWORD, forwarded_for=owner) == 200


def test_the_shipped_proxy_overwrites_the_header_and_compose_trusts_only_it():
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;", nginx)
    assert "$proxy_add_x_forwarded_for" not in nginx
    compose = (ROOT / "docker-compose.yml").read_text()
    web = compose.split("  web1:", 1)[1].split("\n  web2:", 1)[0]
    assert re.search(r'BEHIND_PROXY:\s*"1"', web)
    assert "ports:" not in web  # the web processes are reached through the proxy only
    serve = (ROOT / "scripts" / "serve").read_text()
    assert "--proxy-headers server.asgi" not in serve
