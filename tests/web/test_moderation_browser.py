"""Moderation in Chromium at a phone's width: a member flags a post through a dialog of
the API's reasons; a moderator finds it in the review queue on /moderation, reads the
hidden text, hides it and upholds the flags, dismisses another, pins and locks topics,
suspends the author, sees the log; the suspended member sees why they cannot post; and a
member who is no moderator is refused the page. axe-core checks every page and state."""

from __future__ import annotations

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import (
    assert_accessible,
    expect,
    signed_in_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


# What every member sees is counted here: a database of its own.
OWN_CLUSTER: dict[str, str] = {}


def a_moderator(server: Server, cluster: Cluster, name: str) -> str:
    """A moderator of every category: their e-mail."""
    user_id, email, _ = server.member(name)
    cluster.set_role(user_id, "moderator")
    cluster.sql(
        "INSERT INTO community_moderatorscope (moderator_id, region, locale) VALUES (%s, '', '')",
        user_id,
    )
    return email


def test_a_flag_goes_through_the_queue_to_a_suspension_the_member_sees(cluster, server, browser):
    category_id = cluster.category("Remedies", "remedies")
    _, carl_email, carl = server.member("Carl Cabbage")
    _, dora_email, dora_token = server.member("Dora Date")
    mona_email = a_moderator(server, cluster, "Mona Mint")
    status, made = server.call(
        "POST",
        f"/api/forum/categories/{category_id}/threads",
        {"title": "Colds", "body": "What helps with a cold?"},
        token=dora_token,
    )
    assert status == 201, made
    thread_id = made["thread"]["id"]
    status, bad = server.call(
        "POST",
        f"/api/forum/threads/{thread_id}/posts",
        {"body": "Sugar cures every cold, skip the doctor"},
        token=carl,
    )
    assert status == 201, bad
    status, fine = server.call(
        "POST", f"/api/forum/threads/{thread_id}/posts", {"body": "Rest and soup"}, token=carl
    )
    assert status == 201, fine

    # Dora flags Carl's post through the dialog: the API's reasons and a note.
    dora = signed_in_page(browser, server, dora_email)
    dora.goto(f"/forum/t/{thread_id}")
    flag = dora.get_by_role("button", name="Flag #2")
    flag.click()
    dialog = dora.get_by_role("dialog", name="Flag post #2 by Carl C.")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("radio")).to_have_count(6)
    assert_accessible(dora, "the flag dialog")
    dialog.get_by_label("Health misinformation").check()
    dialog.get_by_label("A note for the moderators (optional)").fill("Tells people to skip care")
    dialog.get_by_role("button", name="Send the flag").click()
    expect(dialog).to_be_hidden()
    expect(flag).to_be_focused()
    expect(dora.locator("#post-2")).to_contain_text("Flagged for the moderators.")
    status, _ = server.call(
        "POST", f"/api/forum/posts/{fine['id']}/flags", {"reason": "spam"}, token=dora_token
    )
    assert status == 204

    # Mona works the queue: the most flagged first, with reasons and notes.
    mona = signed_in_page(browser, server, mona_email)
    mona.goto("/moderation")
    expect(mona.get_by_role("heading", level=1)).to_have_text("Moderation")
    expect(mona.locator("#queue-count")).to_have_text("2 flagged posts")
    first = mona.locator(".queue-item").filter(has_text="Sugar cures every cold")
    expect(first).to_contain_text("Health misinformation")
    expect(first).to_contain_text("Tells people to skip care")
    assert_accessible(mona, "the review queue")

    # She hides it; the queue keeps showing her the hidden text.
    first.get_by_role("button", name="Hide #2").click()
    reason = mona.get_by_role("dialog", name="Hide this post")
    expect(reason).to_be_visible()
    assert_accessible(mona, "the reason dialog")
    reason.get_by_label("Reason (kept in the moderation log)").fill("Dangerous advice")
    reason.get_by_role("button", name="Hide the post").click()
    expect(reason).to_be_hidden()
    first = mona.locator(".queue-item").filter(has_text="Sugar cures every cold")
    expect(first).to_contain_text("hidden from members")
    expect(dora.locator("#post-2")).to_contain_text("This post was hidden by moderation.")
    assert "Sugar" not in dora.locator("#post-2").inner_text()

    # On the topic, in place: the hidden text for moderators, and Restore.
    topic = signed_in_page(browser, server, mona_email)
    topic.goto(f"/forum/t/{thread_id}")
    hidden = topic.locator("#post-2")
    hidden.get_by_text("Hidden text (moderators only)").click()
    expect(hidden.locator(".hidden-text")).to_contain_text("Sugar cures every cold")
    expect(hidden.get_by_role("button", name="Restore #2")).to_be_visible()
    assert_accessible(topic, "a topic with a hidden post, for its moderator")

    # Upheld: gone from the queue. The other is dismissed.
    first.get_by_role("button", name="Uphold").click()
    reason = mona.get_by_role("dialog", name="Uphold the flags")
    reason.get_by_label("Reason (kept in the moderation log)").fill("Health misinformation")
    reason.get_by_role("button", name="Uphold").click()
    expect(mona.locator("#queue-count")).to_have_text("1 flagged post")
    other = mona.locator(".queue-item").filter(has_text="Rest and soup")
    other.get_by_role("button", name="Dismiss").click()
    reason = mona.get_by_role("dialog", name="Dismiss the flags")
    reason.get_by_label("Reason (kept in the moderation log)").fill("Not spam")
    reason.get_by_role("button", name="Dismiss").click()
    expect(mona.locator("#queue-count")).to_have_text("0 flagged posts")
    expect(mona.locator("#log")).to_contain_text("flags upheld")
    expect(mona.locator("#log")).to_contain_text("flags dismissed")

    # Topic actions: pin from the moderation page, lock from the topic's own menu.
    mona.get_by_label("Topic number (from its address, /forum/t/…)").fill(str(thread_id))
    mona.get_by_role("button", name="Show its actions").click()
    mona.get_by_label("Action on “Colds”").select_option("pin")
    mona.locator("#topic-actions").get_by_label("Reason (kept in the moderation log)").fill(
        "Useful for the season"
    )
    mona.locator("#topic-actions").get_by_role("button", name="Apply").click()
    expect(mona.locator("#topic-actions")).to_contain_text("Done: Pin to the top.")
    expect(topic.locator("#thread-state")).to_contain_text("Pinned")
    topic.get_by_text("Moderate this topic").click()
    topic.get_by_label("Action on “Colds”").select_option("lock")
    topic.locator("#moderate").get_by_label("Reason (kept in the moderation log)").fill(
        "Enough said"
    )
    assert_accessible(topic, "the topic's moderation menu")
    topic.locator("#moderate").get_by_role("button", name="Apply").click()
    expect(topic.locator("#thread-state")).to_contain_text("Locked by a moderator")
    expect(dora.locator("#thread-state")).to_contain_text("Locked by a moderator")
    expect(dora.locator("#reply-why")).to_contain_text("This topic is locked")
    expect(dora.locator("#reply")).to_be_hidden()

    # Suspend the author from his post, on the topic page.
    topic.get_by_role("button", name="Suspend the author of #2").click()
    suspend = topic.get_by_role("dialog", name="Suspend Carl C.")
    suspend.get_by_label("How many hours").fill("48")
    suspend.get_by_label("Reason (kept in the moderation log)").fill("Dangerous advice again")
    suspend.get_by_role("button", name="Suspend").click()
    expect(suspend).to_be_hidden()
    mona.reload()
    expect(mona.locator("#suspensions")).to_contain_text("Dangerous advice again")
    expect(mona.locator("#log")).to_contain_text("suspend")
    assert_accessible(mona, "the moderation page after the actions")

    # Carl sees why he cannot post, in the topic and in its category.
    carl_page = signed_in_page(browser, server, carl_email)
    carl_page.goto(f"/forum?c={category_id}")
    expect(carl_page.locator("#new-thread-why")).to_contain_text(
        "You are suspended from the forum until"
    )
    expect(carl_page.locator("#new-thread-why")).to_contain_text("Dangerous advice again")
    expect(carl_page.locator("#new-thread")).to_be_hidden()
    assert_accessible(carl_page, "a category for a suspended member")
    carl_page.goto(f"/forum/t/{thread_id}")
    expect(carl_page.locator("#reply-why")).to_contain_text("You are suspended")
    expect(carl_page.locator("#reply")).to_be_hidden()

    # Mona lifts the suspension.
    mona.get_by_role("button", name="Lift the suspension of Carl Cabbage").click()
    lift = mona.get_by_role("dialog", name="Lift the suspension of Carl Cabbage")
    lift.get_by_label("Reason (kept in the moderation log)").fill("Apologised")
    lift.get_by_role("button", name="Lift it").click()
    expect(mona.locator("#suspensions")).to_contain_text("Nobody is suspended.")


def test_the_moderation_page_is_refused_to_members(server, browser):
    _, email, _ = server.member("Nina Nutmeg")
    page = signed_in_page(browser, server, email)
    response = page.goto("/moderation")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation")
    expect(page.locator("main")).to_contain_text("for the forum's moderators and admins")
    assert_accessible(page, "moderation refused")
