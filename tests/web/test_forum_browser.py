"""The forum and survey pages in real browsers (Chromium, driven by Playwright) against a
real server in production mode: a topic started in one browser appears in another's
category list, replies and reactions arrive live both ways, a reload shows them; at a
phone's width a member reacts and takes it back (by mouse and by keyboard), mentions
another by picking their handle, edits and deletes their post (others see it live, and
the earlier version), searches and follows a topic; and a survey's results update on its
author's page as a customer answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import (
    assert_accessible,
    expect,
    signed_in_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def server(cluster: Cluster) -> Server:
    """A server of the shared cluster that counts a survey's results from one response
    by an account of any age."""
    return cluster.start_server(SURVEY_MIN_GROUP="1", SURVEY_MIN_ACCOUNT_AGE_DAYS="0")


def test_a_topic_and_its_replies_and_reactions_go_live_between_two_browsers(
    cluster, server, browser
):
    category_id = cluster.category("Recipes", "recipes", "Share what you cook")
    _, ada_email = server.create_account("Ada Artichoke")
    _, ben_email = server.create_account("Ben Beetroot")
    ada = signed_in_page(browser, server, ada_email)
    ben = signed_in_page(browser, server, ben_email)

    # Ben looks at the category; Ada starts a topic in it.
    ben.goto(f"/forum?c={category_id}")
    expect(ben.locator("#category-name")).to_have_text("Recipes")
    expect(ben.locator("#ws-state")).to_have_text("connected")
    ada.goto(f"/forum?c={category_id}")
    ada.fill("#thread-title", "Winter soups")
    ada.fill("#thread-body", "What do you make when it is **cold**?")
    ada.click("#new-thread button[type=submit]")
    expect(ada.locator("#thread-title")).to_have_text("Winter soups")
    expect(ada.locator(".post .body strong")).to_have_text("cold")

    # It appears in Ben's list without a reload; he opens it.
    ben.locator("#threads a", has_text="Winter soups").click()
    expect(ben.locator(".post")).to_have_count(1)
    expect(ben.locator("#ws-state")).to_have_text("connected")

    # Ben replies to the opening post: Ada sees it live, sanitized.
    ben.locator(".post").first.get_by_role("button", name="Reply").click()
    ben.fill("#reply-body", "Miso **soup** <img src=x onerror=alert(1)>")
    ben.keyboard.press("Enter")
    expect(ada.locator(".post")).to_have_count(2)
    second = ada.locator(".post").nth(1)
    expect(second.locator(".body strong")).to_have_text("soup")
    expect(second.locator(".quote")).to_contain_text("replying to #1")
    assert ada.locator(".post img").count() == 0

    # Ada reacts to it: Ben sees the count live.
    second.get_by_role("button", name="react 👍").click()
    expect(ben.locator(".post").nth(1).get_by_role("button", name="react 👍")).to_have_text("👍 1")

    # A reload shows both posts and the reaction.
    ben.reload()
    expect(ben.locator(".post")).to_have_count(2)
    expect(ben.locator(".post").nth(1).get_by_role("button", name="react 👍")).to_have_text("👍 1")
    assert ben.locator(".post .body").all_inner_texts()[1].startswith("Miso soup")


def test_a_member_reacts_mentions_edits_deletes_searches_and_follows_on_a_phone(
    cluster, server, browser
):
    category_id = cluster.category("Breakfasts", "breakfasts", "Mornings")
    _, ada_email, _ = server.member("Ada Apricot")
    _, ben_email, ben_token = server.member("Ben Buckwheat")
    status, _ = server.call(
        "PATCH", "/api/forum/me", {"handle": "ben_bakes", "name_style": "full"}, token=ben_token
    )
    assert status == 200
    status, made = server.call(
        "POST",
        f"/api/forum/categories/{category_id}/threads",
        {"title": "Porridge toppings", "body": "Which ones do you like?"},
        token=ben_token,
    )
    assert status == 201, made
    thread_id = made["thread"]["id"]
    ada = signed_in_page(browser, server, ada_email)
    ben = signed_in_page(browser, server, ben_email)
    ben.goto(f"/forum/t/{thread_id}")
    expect(ben.locator(".post")).to_have_count(1)
    ada.goto(f"/forum/t/{thread_id}")
    expect(ada).to_have_title("Porridge toppings · eDietitian Community")
    expect(ada.locator(".post")).to_have_count(1)
    assert_accessible(ada, "a topic on a phone")

    # A reaction, and taking it back: the button says which is mine; Ben sees the count.
    thumbs = ada.locator(".post").first.get_by_role("button", name="react 👍")
    thumbs.click()
    expect(thumbs).to_have_attribute("aria-pressed", "true")
    expect(thumbs).to_have_text("👍 1")
    expect(ben.locator(".post").first.get_by_role("button", name="react 👍")).to_have_text("👍 1")
    thumbs.click()
    expect(thumbs).to_have_attribute("aria-pressed", "false")
    expect(ben.locator(".post").first.get_by_role("button", name="react 👍")).to_have_text("👍")

    # By keyboard: Tab to the next reaction, Space to react, Enter to take it back.
    thumbs.focus()
    ada.keyboard.press("Tab")
    heart = ada.locator(".post").first.get_by_role("button", name="react ❤️")
    expect(heart).to_be_focused()
    ada.keyboard.press("Space")
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart).to_be_focused()
    ada.keyboard.press("Enter")
    expect(heart).to_have_attribute("aria-pressed", "false")
    ada.reload()
    expect(ada.locator(".post").first.get_by_role("button", name="react ❤️")).to_have_attribute(
        "aria-pressed", "false"
    )
    ada.locator(".post").first.get_by_role("button", name="react 🎉").click()
    ada.reload()
    expect(ada.locator(".post").first.get_by_role("button", name="react 🎉")).to_have_attribute(
        "aria-pressed", "true"
    )

    # A mention, picked from the list of members as Ada types; Ben's bell rings.
    status, before = server.call("GET", "/api/notifications/unread-count", token=ben_token)
    box = ada.get_by_role("textbox", name="Your reply")
    box.click()
    box.press_sequentially("Thanks @Buck")  # his name as the forum shows it
    option = ada.get_by_role("option", name="Ben Buckwheat @ben_bakes")
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")
    assert_accessible(ada, "the mention list open")
    ada.keyboard.press("Enter")
    expect(box).to_have_value("Thanks @ben_bakes ")
    box.press_sequentially("for the idea")
    ada.keyboard.press("Enter")
    expect(ada.locator(".post")).to_have_count(2)
    mention = ada.locator(".post").nth(1).get_by_role("link", name="@ben_bakes")
    expect(mention).to_be_visible()
    expect(ben.locator(".post")).to_have_count(2)
    expect(ben.locator("#bell-count")).to_have_text(str(before["unread_count"] + 1))
    status, notices = server.call("GET", "/api/notifications", token=ben_token)
    assert status == 200
    assert any(n["kind"] == "forum.mention" for n in notices["items"]), notices

    # Ada edits her post: Ben sees it live, marked edited, with the earlier version.
    ada.get_by_role("button", name="Edit #2").click()
    editor = ada.get_by_label("Edit post #2")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("Thanks @ben_bakes for the idea")
    assert_accessible(ada, "editing a post")
    editor.fill("Thanks @ben_bakes for the **great** idea")
    ada.get_by_role("button", name="Save").click()
    expect(ben.locator(".post").nth(1).locator(".body strong")).to_have_text("great")
    edited = ben.locator(".post").nth(1).get_by_role("button", name="edited")
    expect(edited).to_be_visible()
    edited.click()
    dialog = ben.get_by_role("dialog", name="Earlier versions")
    expect(dialog).to_contain_text("Thanks @ben_bakes for the idea")
    assert_accessible(ben, "a post's earlier versions")
    dialog.get_by_role("button", name="Close").click()
    expect(edited).to_be_focused()

    # Ada deletes a reply after confirming in a dialog; Ben sees it go.
    reply = ada.get_by_role("textbox", name="Your reply")
    reply.press_sequentially("Oops,")
    reply.press("Shift+Enter")  # a new line, as typed
    reply.press_sequentially("wrong topic")
    reply.press("Enter")
    expect(ada.locator(".post")).to_have_count(3)
    # Shown on two lines, as typed, in both browsers.
    expect(ada.locator("#post-3 .body")).to_have_text("Oops,\nwrong topic", use_inner_text=True)
    expect(ben.locator("#post-3 .body")).to_have_text("Oops,\nwrong topic", use_inner_text=True)
    ada.get_by_role("button", name="Delete #3").click()
    confirm = ada.get_by_role("dialog", name="Delete your reply?")
    expect(confirm).to_be_visible()
    assert_accessible(ada, "the delete confirmation")
    confirm.get_by_role("button", name="Keep it").click()
    expect(confirm).to_be_hidden()
    expect(ada.get_by_role("button", name="Delete #3")).to_be_focused()
    ada.get_by_role("button", name="Delete #3").click()
    confirm.get_by_role("button", name="Delete the reply").click()
    expect(ben.locator(".post").nth(2)).to_contain_text("This post was deleted.")

    # Ben follows the topic closely; the page shows it after a reload, and the API agrees.
    ben.get_by_label("Notices from this topic").select_option("watching")
    expect(ben.locator("#thread-follow-note")).to_have_text("Saved.")
    ben.reload()
    expect(ben.get_by_label("Notices from this topic")).to_have_value("watching")
    status, page = server.call("GET", f"/api/forum/threads/{thread_id}/posts", token=ben_token)
    assert page["follow"] == "watching"

    # The forum page, a category open with its form to start a topic.
    ada.goto(f"/forum?c={category_id}")
    expect(ada.get_by_role("heading", name="Breakfasts")).to_be_visible()
    expect(ada.get_by_label("Notices from this category")).to_have_value("normal")
    expect(ada.get_by_role("button", name="Start the topic")).to_be_visible()
    assert_accessible(ada, "a category on a phone")

    # A mention links to the posts that mention the member.
    ada.goto(f"/forum/t/{thread_id}")
    ada.get_by_role("link", name="@ben_bakes").click()
    expect(
        ada.locator("#search-results").get_by_role("link", name="Porridge toppings")
    ).to_be_visible()

    # Search from the forum page.
    ada.goto("/forum")
    ada.get_by_label("Search the forum").fill("porridge")
    ada.get_by_role("button", name="Search").click()
    result = ada.locator("#search-results").get_by_role("link", name="Porridge toppings")
    expect(result).to_be_visible()
    expect(ada.locator("#search-heading")).to_be_focused()
    assert_accessible(ada, "search results")
    result.click()
    ada.wait_for_url(f"**/forum/t/{thread_id}")


def test_survey_results_update_live_on_the_authors_page(cluster, server, browser):
    dee_id, dee_email = server.create_account("Dee Dietitian")
    cluster.set_role(dee_id, "dietitian")
    _, eve_email = server.create_account("Eve Eggplant")
    cluster.sql("UPDATE accounts_user SET email_verified_at = now() WHERE email = %s", eve_email)
    _, dee_token = server.call(
        "POST", "/api/auth/token", {"email": dee_email, "password": "plum-lentil-kale-42"}
    )
    status, survey = server.call(
        "POST",
        "/api/surveys",
        {
            "title": "Hydration check",
            "closes_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
            "questions": [
                {"kind": "single", "text": "Glasses a day?", "required": True,
                 "options": ["Under 4", "4 to 8", "Over 8"]},
                {"kind": "scale", "text": "How thirsty?", "scale_min": 1, "scale_max": 5},
            ],
        },
        token=dee_token["access_token"],
    )  # fmt: skip
    assert status == 201, survey

    dee = signed_in_page(browser, server, dee_email)
    dee.goto(f"/surveys/{survey['id']}")
    expect(dee.locator("#results-count")).to_contain_text("Results appear once 1 established")
    expect(dee.locator("#ws-state")).to_have_text("connected")

    eve = signed_in_page(browser, server, eve_email)
    eve.goto("/surveys")
    eve.locator("#survey-list a", has_text="Hydration check").click()
    eve.get_by_label("4 to 8").check()
    eve.get_by_role("group", name="How thirsty?").get_by_label("4", exact=True).check()
    eve.get_by_role("button", name="Send my answers").click()
    expect(eve.locator("#answers-note")).to_contain_text("your answers are saved")

    # Dee's page updates without a reload.
    expect(dee.locator("#results-count")).to_have_text("1 responses counted.")
    glasses = dee.locator(".result").first
    expect(glasses.locator(".count")).to_have_text(["0 (0%)", "1 (100%)", "0 (0%)"])
    expect(dee.locator(".result").nth(1)).to_contain_text("Mean 4")
