"""Two people chat in two real browsers (Chromium, driven by Playwright) against a real
server in production mode: one sends, the other sees it without a reload, and a reload
shows the history."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import Browser, a_cluster, expect, launch, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from a_cluster(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def server(cluster: Cluster) -> Server:
    return cluster.start_server(migrate=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


def test_two_people_chat_live_and_a_reload_shows_the_history(server, browser):
    alice_id, alice_email = server.create_account("Alice Avocado")
    bob_id, bob_email = server.create_account("Bob Broccoli")
    alice = signed_in_page(browser, server, alice_email)
    bob = signed_in_page(browser, server, bob_email)

    # Alice finds Bob and starts a conversation.
    alice.fill("#contact-search", "Broccoli")
    alice.get_by_role("button", name="Bob Broccoli (customer)").click()
    expect(alice.locator("#thread-header")).to_contain_text("Bob Broccoli")

    # Her first message appears in Bob's list without a reload, with an unread badge.
    alice.fill("#body", "Hello **Bob** <img src=x onerror=alert(1)>")
    alice.keyboard.press("Enter")
    expect(alice.locator(".message.mine").last).not_to_have_class("message mine pending")
    conversation_button = bob.locator("#conversation-list button", has_text="Alice Avocado")
    expect(conversation_button.locator(".badge")).to_have_text("1")

    # Bob opens it: the message, sanitized.
    conversation_button.click()
    first = bob.locator(".message").first
    expect(first.locator(".body strong")).to_have_text("Bob")
    assert bob.locator(".message img").count() == 0

    # Live both ways, no reload.
    alice.fill("#body", "Shall we try the lentil soup recipe?")
    alice.keyboard.press("Enter")
    expect(bob.locator(".message").last).to_contain_text("lentil soup")
    bob.fill("#body", "Yes, tonight!")
    bob.keyboard.press("Enter")
    expect(alice.locator(".message").last).to_contain_text("Yes, tonight!")

    # Typing shows up on the other side.
    bob.locator("#body").press_sequentially("thinking")
    expect(alice.locator("#typing")).to_contain_text("Bob Broccoli is typing")

    # A reload shows the whole history, in order.
    bob.reload()
    bob.locator("#conversation-list button", has_text="Alice Avocado").click()
    expect(bob.locator(".message")).to_have_count(3)
    texts = bob.locator(".message .body").all_inner_texts()
    assert texts[0].startswith("Hello Bob")
    assert texts[1] == "Shall we try the lentil soup recipe?"
    assert texts[2] == "Yes, tonight!"
    assert alice_id != bob_id
