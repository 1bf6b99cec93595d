"""People chat in real browsers (Chromium, driven by Playwright, at a phone's width)
against a real server in production mode: one sends, the other sees it without a reload,
and a reload shows the history; a customer finds their dietitian with the search box empty
and works the conversation with the keyboard (line breaks, edit, "Seen", delete through a
dialog); a group of three; older history on demand; long words and URLs wrap; and after a
reconnect both sides show the same order."""

from __future__ import annotations

import pytest

from tests.web.browsing import (
    assert_accessible,
    assert_fits,
    expect,
    signed_in_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


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

    # Bob opens it: the message, sanitized; the count in the navigation goes.
    conversation_button.click()
    expect(bob.locator("#dm-count")).to_be_hidden()
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


def test_a_customer_finds_their_dietitian_and_works_the_conversation_with_the_keyboard(
    server, browser, cluster
):
    cara_id, cara_email, cara_token = server.member("Cara Carrot")
    dana_id, dana_email, dana_token = server.member("Dana Dill")
    cluster.set_role(dana_id, "dietitian")
    server.form_care_team(cara_id, cara_token, dana_id, dana_token)

    cara = signed_in_page(browser, server, cara_email)
    # One unread notice: Dana is in Cara's care team now (the offer Cara answered is read).
    expect(cara).to_have_title("(1) Messages · eDietitian Community")
    expect(cara.get_by_role("heading", level=1)).to_have_text("Messages")
    # With the search box empty, her care team is listed: her dietitian at once.
    dana_button = cara.locator("#contact-results").get_by_role(
        "button", name="Dana Dill (dietitian)"
    )
    expect(dana_button).to_be_visible()
    expect(cara.locator("#contact-heading")).to_have_text("Your care team")
    assert_accessible(cara, "chat, search empty")
    cara.fill("#contact-search", "Zz")
    expect(cara.locator("#contact-status")).to_contain_text("3 letters or more")
    cara.fill("#contact-search", "Zzqx")
    expect(cara.locator("#contact-status")).to_have_text("No one found")
    assert_accessible(cara, "chat, nobody found")
    cara.fill("#contact-search", "")
    expect(dana_button).to_be_visible()

    # The skip link, the first stop on a fresh page, goes to the content.
    cara.reload()
    expect(dana_button).to_be_visible()
    cara.keyboard.press("Tab")
    expect(cara.locator(".skip")).to_be_focused()
    cara.keyboard.press("Enter")
    expect(cara.locator("#main")).to_be_focused()

    # The keyboard: from the search box, Tab to her dietitian, Enter: focus is in the
    # conversation.
    cara.locator("#contact-search").focus()
    cara.keyboard.press("Tab")
    expect(dana_button).to_be_focused()
    cara.keyboard.press("Enter")
    expect(cara.locator("#thread-title")).to_be_focused()
    expect(cara.locator("#thread-title")).to_have_text("Dana Dill")
    expect(cara.locator("#thread-presence")).to_contain_text("Dana Dill (away)")
    # On a phone the list makes way for the conversation; the composer has a real label.
    expect(cara.locator("#conversation-list")).to_be_hidden()
    expect(cara.get_by_label("Your message")).to_be_visible()

    # Dana opens it from the list: each sees the other online, in words.
    dana = signed_in_page(browser, server, dana_email)
    dana.locator("#conversation-list button", has_text="Cara Carrot").click()
    expect(dana.locator("#thread-title")).to_be_focused()
    expect(cara.locator("#thread-presence")).to_contain_text("Dana Dill (online)")

    # A message of two lines: the other sees the line break.
    cara.get_by_label("Your message").fill("Breakfast today:\noats with berries")
    cara.keyboard.press("Enter")
    first = dana.locator(".message").first
    expect(first.locator(".body br")).to_have_count(1)
    assert first.locator(".body").inner_text() == "Breakfast today:\noats with berries"
    # Dana read it: Cara sees "Seen" under it, as text.
    expect(cara.locator(".message.mine .seen")).to_have_text("Seen")
    assert_accessible(cara, "chat, a conversation open")

    # Cara edits it: Escape cancels; Save changes it on both sides.
    mine = cara.locator(".message.mine").first
    mine.get_by_role("button", name="Edit").click()
    editor = cara.get_by_label("Edit your message")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("Breakfast today:\noats with berries")
    assert_accessible(cara, "chat, editing a message")
    editor.press("Escape")
    expect(editor).to_have_count(0)
    expect(mine.get_by_role("button", name="Edit")).to_be_focused()
    mine.get_by_role("button", name="Edit").click()
    cara.get_by_label("Edit your message").fill("Breakfast today:\noats with blueberries")
    cara.get_by_role("button", name="Save").click()
    expect(first.locator(".body")).to_contain_text("blueberries")
    expect(first.locator(".meta")).to_contain_text("edited")

    # A second message, deleted through the dialog (which can be declined).
    cara.get_by_label("Your message").fill("wrong chat, sorry")
    cara.keyboard.press("Enter")
    expect(dana.locator(".message")).to_have_count(2)
    second = cara.locator(".message.mine").nth(1)
    expect(second).not_to_have_class("message mine pending")
    second.get_by_role("button", name="Delete").click()
    dialog = cara.get_by_role("dialog", name="Delete this message?")
    expect(dialog).to_be_visible()
    assert_accessible(cara, "chat, delete dialog")
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    expect(second.get_by_role("button", name="Delete")).to_be_focused()
    expect(dana.locator(".message").nth(1)).to_contain_text("wrong chat, sorry")
    second.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(dana.locator(".message").nth(1).locator(".body")).to_have_text("Message deleted")
    expect(cara.locator(".message").nth(1).locator(".body")).to_have_text("Message deleted")
    expect(cara.locator("#body")).to_be_focused()

    # Back to the list on a phone; a link to the conversation opens it.
    cara.get_by_role("button", name="Back to conversations").click()
    expect(cara.locator("#conversation-list")).to_be_visible()
    expect(cara.locator("#conversation-list button", has_text="Dana Dill")).to_be_focused()
    conversation_id = cara.locator("#conversation-list button").first.get_attribute(
        "data-conversation"
    )
    cara.goto(f"/?conversation={conversation_id}")
    expect(cara.locator("#thread-title")).to_have_text("Dana Dill")
    expect(cara.locator(".message")).to_have_count(2)


def test_a_group_of_three_older_history_long_words_and_the_same_order_after_a_reconnect(
    server, browser
):
    _, gail_email, _ = server.member("Gail Grapefruit")
    hank_id, hank_email, hank_token = server.member("Hank Hazelnut")
    _, ivy_email, _ = server.member("Ivy Iceberg")
    gail = signed_in_page(browser, server, gail_email)

    # Gail starts a group: two people ticked (they stay ticked across searches), a title.
    gail.get_by_text("Start a group conversation").click()
    gail.get_by_label("Add people").fill("Hazelnu")
    gail.get_by_label("Hank Hazelnut (customer)").check()
    gail.get_by_label("Add people").fill("Iceber")
    gail.get_by_label("Ivy Iceberg (customer)").check()
    expect(gail.get_by_label("Hank Hazelnut (customer)")).to_be_checked()
    gail.get_by_label("Title (optional)").fill("Walking club")
    assert_accessible(gail, "chat, starting a group")
    gail.get_by_role("button", name="Start the group").click()
    expect(gail.locator("#thread-title")).to_have_text("Walking club")
    expect(gail.locator("#thread-title")).to_be_focused()
    gail.get_by_label("Your message").fill("Hello walkers")
    gail.keyboard.press("Enter")

    ivy = signed_in_page(browser, server, ivy_email)
    ivy.locator("#conversation-list button", has_text="Walking club").click()
    expect(ivy.locator(".message .body")).to_have_text(["Hello walkers"])
    expect(ivy.locator("#thread-presence")).to_contain_text("Gail Grapefruit (online)")
    expect(gail.locator(".message.mine .seen")).to_have_text("Seen by Ivy Iceberg")

    # Hank writes 60 more (over HTTP): Ivy, opening it again, sees the newest 50 and loads
    # the rest with the button, staying where she was.
    group_id = int(
        ivy.locator("#conversation-list button").first.get_attribute("data-conversation")
    )
    for i in range(60):
        status, answer = server.call(
            "POST",
            f"/api/conversations/{group_id}/messages",
            {"body": f"step {i}", "client_id": f"steps-{i}"},
            token=hank_token,
        )
        assert status == 201, answer
    ivy.reload()
    ivy.locator("#conversation-list button", has_text="Walking club").click()
    expect(ivy.locator(".message")).to_have_count(50)
    expect(ivy.locator(".message .body").first).to_have_text("step 10")
    earlier = ivy.get_by_role("button", name="Load earlier messages")
    ivy.locator("#messages").evaluate("list => { list.scrollTop = 0; }")
    earlier.click()
    expect(ivy.locator(".message")).to_have_count(61)
    expect(ivy.locator(".message .body").first).to_have_text("Hello walkers")
    expect(earlier).to_be_hidden()
    assert ivy.locator("#messages").evaluate("list => list.scrollTop") > 0
    assert_accessible(ivy, "chat, older history loaded")

    # A word of 10,000 letters and a 227-character URL wrap on both sides.
    hank = signed_in_page(browser, server, hank_email)
    hank.locator("#conversation-list button", has_text="Walking club").click()
    url = "https://example.org/" + "a" * 198 + "?q=longer"
    assert len(url) == 227
    hank.get_by_label("Your message").fill("x" * 10_000)
    hank.keyboard.press("Enter")
    hank.get_by_label("Your message").fill(url)
    hank.keyboard.press("Enter")
    expect(ivy.locator(".message .body a")).to_have_text(url)
    expect(hank.locator(".message.mine").last).not_to_have_class("message mine pending")
    for page in (hank, ivy):
        assert_fits(page, "a long word and a long URL")
        expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
    assert_accessible(ivy, "chat, long words")
    assert hank_id

    # Ivy loses her connection and writes; Gail writes meanwhile; once Ivy is back both
    # show the same order: the server's.
    offline = {"on": False}
    sockets = []

    def route(ws):
        if offline["on"]:
            ws.close()
            return
        sockets.append(ws)
        ws.connect_to_server()

    ivy.route_web_socket("**/ws/", route)
    ivy.reload()
    ivy.locator("#conversation-list button", has_text="Walking club").click()
    expect(ivy.locator("#ws-state")).to_have_text("connected")
    offline["on"] = True
    for ws in sockets:
        ws.close()
    expect(ivy.locator("#ws-state")).to_have_text("reconnecting")
    ivy.get_by_label("Your message").fill("Ivy while away")
    ivy.keyboard.press("Enter")
    expect(ivy.locator(".message.pending")).to_have_count(1)
    gail.get_by_label("Your message").fill("Gail meanwhile")
    gail.keyboard.press("Enter")
    expect(gail.locator(".message.mine").last).not_to_have_class("message mine pending")
    offline["on"] = False
    expect(ivy.locator("#ws-state")).to_have_text("connected", timeout=20_000)
    expect(ivy.locator(".message.pending")).to_have_count(0)
    expect(gail.locator(".message .body").last).to_have_text("Ivy while away")
    ivy_order = ivy.locator(".message .body").all_inner_texts()[-2:]
    gail_order = gail.locator(".message .body").all_inner_texts()[-2:]
    assert ivy_order == gail_order == ["Gail meanwhile", "Ivy while away"]
