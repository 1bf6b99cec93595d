"""A live room in three real browsers (Chromium, driven by Playwright) against a real
server in production mode: a host and two attendees chat, ask and upvote a question,
vote in the host's poll, and a muted attendee is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.live import PASSWORD, Cluster, Server
from tests.web.browsing import Browser, a_cluster, expect, launch, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from a_cluster(tmp_path_factory.mktemp("room-browser"), PRESENCE_COUNT_SECONDS="0.2")


@pytest.fixture(scope="module")
def server(cluster: Cluster) -> Server:
    return cluster.start_server(migrate=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


def token(server: Server, email: str) -> str:
    status, tokens = server.call("POST", "/api/auth/token", {"email": email, "password": PASSWORD})
    assert status == 200, tokens
    return str(tokens["access_token"])


def test_a_host_and_two_attendees_in_a_live_room(cluster, server, browser):
    host_id, host_email = server.create_account("Hana Host")
    cluster.sql("UPDATE accounts_user SET role = 'dietitian' WHERE id = %s", host_id)
    start = datetime.now(UTC) + timedelta(minutes=10)
    status, event = server.call(
        "POST",
        "/api/events",
        {"title": "Batch cooking live", "kind": "virtual", "starts_at": start.isoformat(),
         "ends_at": (start + timedelta(hours=1)).isoformat(), "time_zone": "America/Toronto"},
        token=token(server, host_email),
    )  # fmt: skip
    assert status == 201, event
    people = []
    for name in ("Ari Attendee", "Bo Attendee"):
        _, email = server.create_account(name)
        status, _ = server.call("PUT", f"/api/events/{event['id']}/rsvp", {}, token(server, email))
        assert status == 200
        people.append(email)
    _, outsider_email = server.create_account("Olu Outsider")

    room = f"/events/{event['id']}/room"
    pages = []
    for email in (host_email, *people):
        page = signed_in_page_at(browser, server, email, room)
        pages.append(page)
    host, ari, bo = pages
    expect(host.locator("#head-count")).to_have_text("3")
    expect(host.locator("#host-controls")).to_be_visible()
    expect(ari.locator("#host-controls")).to_be_hidden()

    # Someone without a place does not get in.
    outsider = signed_in_page_at(browser, server, outsider_email, room)
    expect(outsider.locator("#room-state")).to_have_text("You are not in this room.")

    # Chat reaches everyone live.
    ari.fill("#chat-body", "Hi from **Ari**")
    ari.keyboard.press("Enter")
    expect(bo.locator("#chat .message").last).to_contain_text("Hi from Ari")
    expect(host.locator("#chat .message strong").last).to_have_text("Ari")

    # A question, upvoted by the other attendee: the host sees the vote.
    bo.fill("#ask-body", "Can I freeze cooked rice?")
    bo.click("#ask-form button[type=submit]")
    question = ari.locator("#questions li", has_text="freeze cooked rice")
    question.get_by_role("button", name="upvote").click()
    expect(
        host.locator("#questions li", has_text="freeze cooked rice").locator(".votes")
    ).to_have_text("1")

    # The host's poll; Ari votes and the host sees the count.
    host.fill("#poll-question", "Tried batch cooking before?")
    host.fill("#poll-options", "Yes, No")
    host.click("#poll-form button[type=submit]")
    ari.locator("#poll .option", has_text="Yes").click()
    expect(host.locator("#poll .option", has_text="Yes")).to_have_text("Yes · 1")

    # The host mutes Bo: Bo's next message is refused.
    mute = host.locator("#attendees li", has_text="Bo Attendee")
    with host.expect_response(lambda r: r.url.endswith("/mute") and r.status == 204):
        mute.get_by_role("button", name="Mute", exact=True).click()
    # The page says so live and turns the composer off; a message sent anyway on the
    # page's socket is refused.
    expect(bo.locator("#chat-note")).to_contain_text("muted")
    expect(bo.locator("#chat-body")).to_be_disabled()
    refused = bo.evaluate(SEND_ON_THE_PAGES_SOCKET, {"event": event["id"], "body": "still here?"})
    assert "muted" in refused


# The page's own socket (live.js is one module per page), as a client ignoring the page.
SEND_ON_THE_PAGES_SOCKET = """async ({event, body}) => {
  const { live } = await import("/static/web/live.js");
  try {
    await live.request({ type: "room.chat", event, body });
    return "sent";
  } catch (error) {
    return error.message;
  }
}"""


def signed_in_page_at(browser: Browser, server: Server, email: str, path: str):
    page = signed_in_page(browser, server, email)
    page.goto(path)
    expect(page.locator("#ws-state")).to_have_text("connected")
    return page
