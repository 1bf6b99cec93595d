"""A member's own pages in Chromium at a phone's width: sign-up with region and time zone,
settings that stick, a dietitian offering a customer their care, the customer accepting
and both messaging, a handover both the new dietitian and the customer accept, and
signing out everywhere; each page and state accessible (axe-core) without sideways
scrolling."""

from __future__ import annotations

import re

import pytest

from tests.live import PASSWORD
from tests.web.browsing import (
    PHONE,
    Page,
    assert_accessible,
    expect,
    signed_in_page,
    watch_for_csp_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


# What every member sees is counted here: a database of its own.
OWN_CLUSTER: dict[str, str] = {}


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("#ws-state")).to_have_text("connected")


def test_a_new_member_signs_up_with_region_and_zone_and_their_settings_stick(
    server, browser, cluster
):
    # What the region holds: a forum category and an event for British Columbia.
    admin_id, _, admin = server.member("Ada Admin")
    cluster.set_role(admin_id, "admin")
    status, category = server.call(
        "POST",
        "/api/forum/categories",
        {"name": "BC gatherings", "slug": "bc-gatherings", "region": "ca-bc"},
        token=admin,
    )
    assert status in (200, 201), category
    status, event = server.call(
        "POST",
        "/api/events",
        {
            "title": "Stanley Park walk",
            "kind": "in_person",
            "venue": "Stanley Park",
            "region": "ca-bc",
            "starts_at": "2031-05-01T17:00:00+00:00",
            "ends_at": "2031-05-01T18:00:00+00:00",
        },
        token=admin,
    )
    assert status == 201, event

    context = browser.new_context(
        base_url=server.url, viewport=PHONE, timezone_id="America/Vancouver"
    )
    page = context.new_page()
    watch_for_csp_violations(page)
    page.goto("/signup")
    # The zone starts at the browser's own.
    expect(page.get_by_label("Your time zone")).to_have_value("America/Vancouver")
    assert_accessible(page, "the sign-up page")
    page.get_by_label("Name shown to others").fill("Nia Newmember")
    page.get_by_label("Email").fill("nia@example.org")
    page.get_by_label("Password (10 characters or more)").fill(PASSWORD)
    page.get_by_label("Your region").select_option(label="British Columbia")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Check your mail")
    assert_accessible(page, "the sign-up page, mail sent")

    server.confirm_address("nia@example.org")
    sign_in(page, "nia@example.org")
    me = page.evaluate("fetch('/api/me').then((r) => r.json())")
    assert (me["region"], me["time_zone"]) == ("ca-bc", "America/Vancouver")
    # Their region's forum category is "for you", and its event is listed for them.
    categories = page.evaluate("fetch('/api/forum/categories').then((r) => r.json())")
    assert [c["name"] for c in categories if c["for_you"]] == ["BC gatherings"]
    page.goto("/forum")
    expect(page.get_by_text("BC gatherings").first).to_be_visible()
    events = page.evaluate("fetch('/api/events').then((r) => r.json())")
    items = events["items"] if isinstance(events, dict) else events
    assert "Stanley Park walk" in [e["title"] for e in items]

    # Someone Nia blocked is listed in her settings, to unblock.
    blocked_id, _, _ = server.member("Bo Blocked")
    status, tokens = server.call(
        "POST", "/api/auth/token", {"email": "nia@example.org", "password": PASSWORD}
    )
    assert status == 200, tokens
    status, _ = server.call(
        "POST", "/api/blocks", {"user_id": blocked_id}, token=tokens["access_token"]
    )
    assert status == 204

    # Settings, from the account menu.
    page.locator("details.account summary").click()
    page.get_by_role("link", name="Settings").click()
    expect(page).to_have_title("Settings · eDietitian Community")
    expect(page.locator("#forum-handle-shown")).to_have_text(re.compile(r"^@member_"))
    expect(page.locator("#preference-list fieldset").first).to_be_visible()
    assert_accessible(page, "the settings page")

    page.get_by_role("button", name="Unblock Bo Blocked").click()
    expect(page.locator("#blocks-status")).to_have_text("You unblocked Bo Blocked.")
    expect(page.locator("#block-list")).to_have_text("You block nobody.")

    page.get_by_label("Name shown to others").fill("Nia N.")
    page.get_by_label("Time zone").select_option("America/Edmonton")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#profile-status")).to_have_text(
        "Saved: you are Nia N., in America/Edmonton."
    )
    expect(page.locator(".account-name")).to_have_text("Nia N.")

    page.get_by_label("Handle (3 to 30 letters, digits or _)").fill("nia_bc")
    page.get_by_label("First name and initial").check()
    page.get_by_role("button", name="Save forum name").click()
    expect(page.locator("#forum-status")).to_have_text("Saved: others mention you as @nia_bc.")
    expect(page.locator("#forum-handle-shown")).to_have_text("@nia_bc")

    reminders = page.locator(
        "fieldset", has=page.locator("legend", has_text="A reminder of an event")
    )
    expect(reminders.get_by_label("By e-mail")).to_be_checked()
    reminders.get_by_label("By e-mail").uncheck()
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.locator("#notifications-status")).to_have_text("Saved your notification settings.")

    # A wrong current password is said; the right one changes it.
    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_label("New password (10 characters or more)").fill("a-new-long-password-7")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#password-status")).to_contain_text("Not saved:")
    expect(page.locator("#password-status")).to_have_class(re.compile(r"\berror\b"))
    assert_accessible(page, "the settings page with an error")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password (10 characters or more)").fill("a-new-long-password-7")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#password-status")).to_contain_text("Your password is changed")

    # The region: the first change after sign-up is free, the next waits and says until when.
    page.locator("#profile-region").select_option(label="Alberta")
    page.get_by_role("button", name="Save region").click()
    expect(page.locator("#region-status")).to_contain_text("Saved: your region is Alberta.")
    expect(page.locator("#region-status")).to_contain_text("You can change it again from")
    page.locator("#profile-region").select_option(label="British Columbia")
    page.get_by_role("button", name="Save region").click()
    expect(page.locator("#region-status")).to_contain_text("you can change it again from")
    assert_accessible(page, "the settings page after saving")

    # Everything sticks after a reload.
    page.reload()
    expect(page.get_by_label("Name shown to others")).to_have_value("Nia N.")
    expect(page.get_by_label("Time zone")).to_have_value("America/Edmonton")
    expect(page.locator("#profile-region")).to_have_value("ca-ab")
    expect(page.locator("#region-help")).to_contain_text("you can change your region again from")
    expect(page.get_by_label("Handle (3 to 30 letters, digits or _)")).to_have_value("nia_bc")
    expect(page.get_by_label("First name and initial")).to_be_checked()
    expect(reminders.get_by_label("By e-mail")).not_to_be_checked()
    expect(reminders.get_by_label("In the app")).to_be_checked()
    # The new password is the one that signs in.
    other = browser.new_context(base_url=server.url, viewport=PHONE).new_page()
    sign_in(other, "nia@example.org", "a-new-long-password-7")
    other.context.close()
    context.close()


def test_a_dietitian_offers_care_the_customer_accepts_and_both_message(server, browser, cluster):
    dana_id, dana_email, _ = server.member("Dana Dietwell")
    cluster.set_role(dana_id, "dietitian")
    _, casey_email, _ = server.member("Casey Carrotson")
    dana = signed_in_page(browser, server, dana_email)
    nav = dana.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="My customers").click()
    expect(dana).to_have_title("My customers · eDietitian Community")
    expect(nav.get_by_role("link", name="My customers")).to_have_attribute("aria-current", "page")
    expect(dana.locator("#board-body")).to_contain_text("No customer is in your care yet")
    dana.get_by_role("link", name="Care requests and my customer list").click()
    expect(dana).to_have_title("Care requests and my customer list · eDietitian Community")
    expect(nav.get_by_role("link", name="My customers")).to_have_attribute("aria-current", "page")
    expect(dana.locator("#customer-list")).to_contain_text("No customer is in your care yet.")
    assert_accessible(dana, "my customers, none yet")

    # Found by name (never by e-mail), offered care by keyboard.
    dana.get_by_label("Name of the customer").fill(casey_email)
    dana.get_by_label("Name of the customer").press("Enter")
    expect(dana.locator("#find-status")).to_contain_text("No customer to offer your care to")
    dana.get_by_label("Name of the customer").fill("Carrot")
    dana.get_by_label("Name of the customer").press("Enter")
    expect(dana.locator("#find-status")).to_have_text("1 customer found.")
    offer = dana.get_by_role("button", name="Offer my care: Casey Carrotson")
    assert_accessible(dana, "my customers, one found")
    offer.focus()
    dana.keyboard.press("Enter")
    expect(dana.locator("#find-status")).to_contain_text("You offered Casey Carrotson your care")
    # Not in Dana's care until Casey accepts: the offer waits among the requests.
    customers = dana.locator("#customer-list")
    expect(customers).to_contain_text("No customer is in your care yet.")
    requests = dana.locator("#request-list")
    expect(requests).to_contain_text("You offered Casey Carrotson your care")
    assert_accessible(dana, "my customers, an offer waiting")

    # Casey is told, follows the notice to her settings and accepts.
    casey = signed_in_page(browser, server, casey_email)
    expect(casey.locator("#bell-count")).to_have_text("1")
    casey.locator("#bell").click()
    offered = "Dana Dietwell offers to take you into their care"
    casey.locator("#bell-list").get_by_text(offered).click()
    casey.wait_for_url("**/settings#care-requests")
    offers = casey.locator("#care-request-list")
    expect(offers).to_contain_text(offered)
    expect(casey.locator("#care-list")).to_contain_text("Nobody is in your care team yet.")
    assert_accessible(casey, "the settings page with an offer")
    casey.get_by_role("button", name="Accept Dana Dietwell\u2019s offer").click()
    expect(casey.locator("#care-requests-status")).to_contain_text(
        "Dana Dietwell is in your care team now."
    )
    team = casey.locator("#care-list")
    expect(team).to_contain_text("Dana Dietwell")
    expect(team).to_contain_text("Dietitian")
    expect(offers).to_contain_text("Accepted")
    # Dana's page follows live: Casey is in her care, the offer gone from the requests.
    expect(customers).to_contain_text("Casey Carrotson")
    expect(requests).to_contain_text("No request is waiting.")
    assert_accessible(dana, "my customers, one in care")
    # Who read Casey's data: Dana, offering, joining and listing her customers.
    casey.reload()
    access = casey.locator("#access-list")
    for action in ("offer", "add", "list"):
        expect(access).to_contain_text(
            re.compile(rf"Dana Dietwell \(dietitian\): {action} care team", re.I)
        )
    assert_accessible(casey, "the settings page with a care team")
    # Leaving asks first; cancelling keeps Dana.
    casey.get_by_role("button", name="Remove Dana Dietwell from my care team").click()
    dialog = casey.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert_accessible(casey, "the leave-care-team dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(
        casey.get_by_role("button", name="Remove Dana Dietwell from my care team")
    ).to_be_focused()

    # Each side's Message button opens their conversation.
    casey.get_by_role("button", name="Message Dana Dietwell").click()
    casey.wait_for_url(re.compile(r"/\?conversation=\d+$"))
    conversation = casey.url.rsplit("=", 1)[1]
    expect(conversation_heading(casey, "Dana Dietwell")).to_be_visible()

    customers.get_by_role("button", name="Message Casey Carrotson").click()
    dana.wait_for_url(f"**/?conversation={conversation}")
    expect(conversation_heading(dana, "Casey Carrotson")).to_be_visible()
    dana.context.close()
    casey.context.close()

    # A customer has no "My customers"; the page says what it is for.
    page = signed_in_page(browser, server, casey_email)
    expect(page.get_by_role("link", name="My customers")).to_have_count(0)
    response = page.goto("/care")
    assert response is not None and response.status == 403
    expect(page.get_by_role("link", name="settings")).to_be_visible()
    page.context.close()


def conversation_heading(page: Page, name: str):
    """The open conversation's heading, naming the other person (the chat page's own
    markup: a heading, or its header)."""
    heading = page.get_by_role("heading", name=re.compile(re.escape(name)))
    return heading.or_(page.locator("#thread-header", has_text=name)).first


def test_a_handover_is_done_when_the_customer_and_the_new_dietitian_accept(
    server, browser, cluster
):
    casey_id, casey_email, casey_token = server.member("Casey Crumble")
    dana_id, dana_email, dana_token = server.member("Dana Dietwell")
    erin_id, erin_email, _ = server.member("Erin Elder")
    for dietitian in (dana_id, erin_id):
        cluster.set_role(dietitian, "dietitian")
    server.form_care_team(casey_id, casey_token, dana_id, dana_token)

    # Dana hands Casey over to Erin from her customers.
    dana = signed_in_page(browser, server, dana_email)
    dana.goto("/care/requests")
    dana.get_by_role("button", name="Hand Casey Crumble over to another dietitian").click()
    dana.get_by_role("combobox", name=re.compile("^Hand Casey Crumble over to")).select_option(
        label="Erin Elder"
    )
    dana.get_by_role("button", name="Ask them to take over").click()
    expect(dana.locator("#customers-status")).to_contain_text("Casey Crumble is asked too")
    requests = dana.locator("#request-list")
    expect(requests).to_contain_text(
        "You hand Casey Crumble over to Erin Elder: waiting for Casey Crumble and Erin Elder"
    )
    assert_accessible(dana, "my customers, a handover waiting")

    # Casey accepts first: nothing changes until Erin has too.
    casey = signed_in_page(browser, server, casey_email)
    casey.goto("/settings#care-requests")
    asked = casey.locator("#care-request-list")
    expect(asked).to_contain_text("Dana Dietwell hands your care over to Erin Elder")
    assert_accessible(casey, "the settings page with a handover to answer")
    casey.get_by_role("button", name="Accept the handover to Erin Elder").click()
    expect(casey.locator("#care-requests-status")).to_contain_text(
        "Erin Elder joins your care team once they accept too"
    )
    expect(asked).to_contain_text("Waiting for Erin Elder")
    team = casey.locator("#care-list")
    expect(team).to_contain_text("Dana Dietwell")
    expect(team).not_to_contain_text("Erin Elder")

    # Erin accepts on her customers: Casey is in her care, Dana left.
    erin = signed_in_page(browser, server, erin_email)
    erin.goto("/care/requests")
    erin_requests = erin.locator("#request-list")
    expect(erin_requests).to_contain_text("handed over by Dana Dietwell")
    erin.get_by_role("button", name="Accept Casey Crumble").click()
    expect(erin.locator("#requests-status")).to_contain_text("Casey Crumble is now in your care")
    expect(erin.locator("#customer-list")).to_contain_text("Casey Crumble")
    expect(erin_requests).to_contain_text("No request is waiting.")
    # Each side follows live.
    expect(team).to_contain_text("Erin Elder")
    expect(team).not_to_contain_text("Dana Dietwell")
    expect(dana.locator("#customer-list")).to_contain_text("No customer is in your care yet.")
    expect(requests).to_contain_text("No request is waiting.")
    assert_accessible(casey, "the settings page after a handover")
    for page in (dana, casey, erin):
        page.context.close()


def test_sign_out_everywhere_ends_the_other_browsers_session(server, browser):
    _, email, _ = server.member("Sol Signout")
    phone = signed_in_page(browser, server, email)
    laptop = signed_in_page(browser, server, email, viewport={"width": 1280, "height": 800})
    laptop.goto("/forum")
    expect(laptop.locator("#ws-state")).to_have_text("connected")

    phone.goto("/settings#sessions")
    phone.get_by_role("button", name="Sign out everywhere").click()
    dialog = phone.get_by_role("dialog")
    expect(dialog).to_contain_text("Every session ends")
    assert_accessible(phone, "the sign-out-everywhere dialog")
    dialog.get_by_role("button", name="Sign out everywhere").click()
    phone.wait_for_url("**/login")

    # The other browser's socket is closed and its session gone: it is at the sign-in page.
    laptop.wait_for_url(re.compile(r"/login"))
    laptop.goto("/settings")
    expect(laptop).to_have_url(re.compile(r"/login\?next=/settings"))
    phone.context.close()
    laptop.context.close()
