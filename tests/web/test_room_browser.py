"""A live room in three real browsers (Chromium, driven by Playwright) against a real
server in production mode: a host and two attendees chat, ask and upvote a question
(marked answered by the host), vote in the host's poll, keep the poll and a raised hand
over a reload; someone without a place finds the way in; a muted attendee is refused;
and the composer closes for everyone when the host ends the session."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.live import PASSWORD, Server
from tests.web.browsing import (
    Browser,
    assert_accessible,
    expect,
    signed_in_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def token(server: Server, email: str) -> str:
    status, tokens = server.call("POST", "/api/auth/token", {"email": email, "password": PASSWORD})
    assert status == 200, tokens
    return str(tokens["access_token"])


def test_a_host_and_two_attendees_in_a_live_room(cluster, server, browser):
    host_id, host_email = server.create_account("Hana Host")
    cluster.set_role(host_id, "dietitian")
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
    # The room names its event, in its heading and the tab's title.
    expect(ari.get_by_role("heading", level=1)).to_have_text("Batch cooking live")
    expect(ari).to_have_title("Live room: Batch cooking live · eDietitian Community")
    # On a phone the panels stack, the chat first, its composer on screen.
    chat_box = ari.locator(".room-chat").bounding_box()
    questions_box = ari.locator("section", has=ari.locator("#questions")).bounding_box()
    assert chat_box and questions_box and questions_box["y"] >= chat_box["y"] + chat_box["height"]
    expect(ari.locator("#chat-form")).to_be_in_viewport()
    assert_accessible(ari, "the live room for an attendee")
    # The host gets Mute and Remove for the others, not for themselves.
    expect(host.locator("#attendees li")).to_have_count(3)
    hana = host.locator("#attendees li", has_text="Hana Host")
    expect(hana).to_contain_text("host")
    expect(hana.get_by_role("button")).to_have_count(0)
    expect(
        host.locator("#attendees li", has_text="Ari Attendee").get_by_role(
            "button", name="Mute", exact=True
        )
    ).to_be_visible()
    assert_accessible(host, "the live room for its host")

    # Someone without a place does not get in, and is shown the way to a place.
    outsider = signed_in_page_at(browser, server, outsider_email, room)
    expect(outsider.locator("#room-state")).to_have_text("You are not in this room.")
    assert_accessible(outsider, "the live room for someone without a place")
    outsider.get_by_role("link", name="take a place on the event's page").click()
    outsider.wait_for_url(f"**/events/{event['id']}")
    outsider.get_by_role("button", name="Take a place").click()
    outsider.get_by_role("link", name="Join the live room").click()
    outsider.wait_for_url(f"**{room}")
    expect(outsider.locator("#room-state")).to_have_text("")
    expect(outsider.locator("#chat-body")).to_be_editable()
    expect(host.locator("#head-count")).to_have_text("4")

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
    # A refused upvote (one's own question) is told next to the questions, not the chat.
    bo.locator("#questions li", has_text="freeze cooked rice").get_by_role(
        "button", name="upvote"
    ).click()
    expect(bo.locator("#ask-error")).to_contain_text("your own question")
    expect(bo.locator("#chat-error")).to_have_text("")
    # The host marks it answered: everyone sees it so, in words.
    host.locator("#questions li", has_text="freeze cooked rice").get_by_role(
        "button", name="Mark answered"
    ).click()
    answered = ari.locator("#questions li", has_text="freeze cooked rice")
    expect(answered).to_have_class(re.compile(r"\banswered\b"))
    expect(answered).to_contain_text("Answered")
    expect(answered.get_by_role("button", name="upvote")).to_have_count(0)

    # The host's poll; Ari votes and the host sees the count.
    host.fill("#poll-question", "Tried batch cooking before?")
    host.fill("#poll-options", "Yes, No")
    host.click("#poll-form button[type=submit]")
    ari.locator("#poll .option", has_text="Yes").click()
    expect(host.locator("#poll .option", has_text="Yes")).to_have_text("Yes · 1")

    # Ari raises a hand; a reload keeps the open poll, Ari's vote and the raised hand.
    ari.get_by_role("button", name="Raise my hand").click()
    expect(host.locator("#hands")).to_contain_text("Ari Attendee")
    ari.reload()
    expect(ari.locator("#ws-state")).to_have_text("connected")
    expect(ari.locator("#poll")).to_contain_text("Tried batch cooking before?")
    expect(ari.locator("#poll .option", has_text="Yes")).to_have_attribute("aria-pressed", "true")
    expect(ari.locator("#poll")).to_contain_text("Your vote: Yes.")
    expect(ari.get_by_role("button", name="Lower my hand")).to_be_visible()

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

    # The host ends the session (asked in a dialog): the composer closes live for all.
    host.get_by_role("button", name="End the session…").click()
    end = host.get_by_role("dialog", name="End the session for everyone?")
    expect(end).to_be_visible()
    assert_accessible(host, "the end-the-session dialog")
    end.get_by_role("button", name="End the session").click()
    expect(ari.locator("#room-state")).to_have_text("The host ended the session.")
    expect(ari.locator("#chat-note")).to_have_text("The session has ended: the chat is closed.")
    expect(ari.locator("#chat-body")).to_be_disabled()
    expect(ari.get_by_role("button", name="Send")).to_be_disabled()
    expect(host.locator("#chat-body")).to_be_disabled()
    assert_accessible(ari, "the live room after the session ended")


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
