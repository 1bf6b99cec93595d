"""The shell around every page, in Chromium at a phone's width: navigation by role, the
notification bell (live count, list, mark read, go to the thing), the unread message count
on every page, and each page accessible (axe-core) without sideways scrolling."""

from __future__ import annotations

import pytest

from tests.web.browsing import (
    assert_accessible,
    expect,
    signed_in_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def test_the_bell_counts_live_lists_and_marks_read_and_messages_count_on_every_page(
    server, browser, cluster
):
    alice_id, _, alice = server.member("Alice Apricot")
    bob_id, bob_email, bob_token = server.member("Bob Beetroot")
    bob = signed_in_page(browser, server, bob_email)
    bob.goto("/forum")
    expect(bob.locator("#ws-state")).to_have_text("connected")
    bell = bob.locator("#bell")
    expect(bell).to_have_accessible_name("Notifications")
    expect(bob.get_by_role("link", name="Forum")).to_have_attribute("aria-current", "page")
    expect(bob.get_by_role("link", name="Moderation")).to_have_count(0)

    # Alice writes to Bob: Bob, on the forum, sees the count on "Messages" and in the title.
    status, conversation = server.call(
        "POST", "/api/conversations", {"members": [bob_id]}, token=alice
    )
    assert status in (200, 201), conversation
    status, sent = server.call(
        "POST",
        f"/api/conversations/{conversation['id']}/messages",
        {"body": "Hello Bob", "client_id": "shell-1"},
        token=alice,
    )
    assert status in (200, 201), sent
    expect(bob.locator("#dm-count")).to_have_text("1")
    expect(bob.get_by_role("link", name="Messages, 1 unread")).to_be_visible()
    # A new conversation also rings the bell (the socket did not follow it yet).
    expect(bob.locator("#bell-count")).to_have_text("1")
    expect(bob).to_have_title("(2) Forum · eDietitian Community")

    # Alice, now a dietitian, makes an event; Bob takes a place; her message to those
    # going rings his bell.
    cluster.set_role(alice_id, "dietitian")
    status, event = server.call(
        "POST",
        "/api/events",
        {
            "title": "Label reading walk",
            "kind": "virtual",
            "starts_at": "2031-03-01T17:00:00+00:00",
            "ends_at": "2031-03-01T18:00:00+00:00",
            "capacity": 10,
        },
        token=alice,
    )
    assert status == 201, event
    status, place = server.call("PUT", f"/api/events/{event['id']}/rsvp", token=bob_token)
    assert status == 200, place
    status, said = server.call(
        "POST", f"/api/events/{event['id']}/message", {"body": "Bring a cereal box"}, token=alice
    )
    assert status in (200, 202), said
    expect(bob.locator("#bell-count")).to_have_text("2")
    expect(bell).to_have_accessible_name("Notifications, 2 unread")
    expect(bob).to_have_title("(3) Forum · eDietitian Community")

    # The list: open it by keyboard, see the notice, go to the thing; it is read then.
    bell.focus()
    bob.keyboard.press("Enter")
    panel = bob.locator("#bell-panel")
    expect(panel).to_be_visible()
    notice = panel.locator(".notice-link").first
    expect(notice).to_contain_text("Label reading walk")
    assert_accessible(bob, "the bell's list open on the forum")
    bob.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(bell).to_be_focused()
    bell.click()
    href = notice.get_attribute("href")
    assert href and str(event["id"]) in href
    notice.click()
    bob.wait_for_url(f"**{href}")
    expect(bob.locator("#bell-count")).to_have_text("1")
    status, count = server.call("GET", "/api/notifications/unread-count", token=bob_token)
    assert count["unread_count"] == 1

    # Mark all read from the list.
    bob.locator("#bell").click()
    bob.get_by_role("button", name="Mark all read").click()
    expect(bob.locator("#bell-count")).to_be_hidden()
    status, count = server.call("GET", "/api/notifications/unread-count", token=bob_token)
    assert count["unread_count"] == 0

    # A page that names itself once loaded (a topic) keeps its name after the count.
    category_id = cluster.category("Shell talk", "shell-talk")
    status, topic = server.call(
        "POST",
        f"/api/forum/categories/{category_id}/threads",
        {"title": "Soup swaps", "body": "Who has a good lentil soup?", "client_id": "shell-t1"},
        token=bob_token,
    )
    assert status == 201, topic
    bob.goto(f"/forum/t/{topic['thread']['id']}")
    expect(bob).to_have_title("(1) Soup swaps · eDietitian Community")


def test_the_account_menu_signs_out_and_the_header_fits_a_phone(server, browser):
    _, email, _ = server.member("Maximiliana Featherstonehaugh-Wolfeschlegelsteinhausen")
    page = signed_in_page(browser, server, email)
    page.goto("/notifications")
    assert_accessible(page, "the shell with a long name")
    page.locator("summary", has_text="Account menu").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("banner").get_by_role("link", name="Settings")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/notifications")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_moderators_see_moderation_in_the_navigation(server, browser, cluster):
    user_id, email, _ = server.member("Mona Moderator")
    cluster.set_role(user_id, "moderator")
    page = signed_in_page(browser, server, email)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_text(
        ["Messages", "Forum", "Events", "Classes", "Surveys", "Moderation"]
    )


def test_the_notifications_page_lists_filters_marks_read_and_updates_live(server, browser, cluster):
    host_id, _, host = server.member("Hana Host")
    cluster.set_role(host_id, "dietitian")
    _, email, token = server.member("Nico Notified")
    status, event = server.call(
        "POST",
        "/api/events",
        {
            "title": "Fibre and you",
            "kind": "virtual",
            "starts_at": "2031-04-01T17:00:00+00:00",
            "ends_at": "2031-04-01T18:00:00+00:00",
            "capacity": 10,
        },
        token=host,
    )
    assert status == 201, event
    assert server.call("PUT", f"/api/events/{event['id']}/rsvp", token=token)[0] == 200
    for body in ("Bring water", "Wear comfy shoes"):
        server.call("POST", f"/api/events/{event['id']}/message", {"body": body}, token=host)

    page = signed_in_page(browser, server, email)
    page.goto("/notifications")
    expect(page).to_have_title("(2) Notifications · eDietitian Community")
    items = page.locator("#notifications li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Wear comfy shoes")
    assert_accessible(page, "notifications page")

    # One marked read by keyboard: its button goes and focus stays on the notice.
    page.get_by_role("button", name="Mark read: ").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Mark read: ")).to_have_count(1)
    page.get_by_label("Unread only").check()
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Bring water")

    # A new notice arrives live, at the top.
    server.call("POST", f"/api/events/{event['id']}/message", {"body": "Starting soon"}, token=host)
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Starting soon")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("Nothing unread.")).to_be_visible()
    assert server.call("GET", "/api/notifications/unread-count", token=token)[1] == {
        "unread_count": 0
    }
