"""Consent, onboarding and care requests in Chromium at a phone's width: a new member
signs up answering each consent question, goes through onboarding step by step (errors
beside the field, optional steps skipped) and asks a dietitian; the dietitian accepts on
My customers; the member is told live, and their privacy page shows their consents and
who looked at their data. Each page and state is accessible (axe-core) and fits."""

from __future__ import annotations

import re
import uuid

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


def fill_required_attributes(page: Page) -> None:
    """Answer whatever profile attributes onboarding asks for, by their kind."""
    box = page.locator("#basics-attributes")
    for control in box.locator("[data-control]").all():
        kind = control.get_attribute("data-kind")
        if kind == "choice":
            control.select_option(index=1)
        elif kind == "date":
            control.fill("1990-04-02")
        elif kind == "number":
            low, high = control.get_attribute("min"), control.get_attribute("max")
            control.fill(str((float(low or 0) + float(high or 100)) / 2))
        else:
            control.fill("Eat more vegetables")
    for fieldset in box.locator("fieldset[data-kind]").all():
        fieldset.locator("input").first.check()


def test_a_new_member_consents_goes_through_onboarding_and_a_dietitian_takes_them_on(
    server, browser, cluster
):
    dana_id, dana_email, _ = server.member("Dana Dietwell")
    cluster.set_role(dana_id, "dietitian")
    email = f"nia-{uuid.uuid4().hex[:8]}@example.org"

    page = browser.new_context(base_url=server.url, viewport=PHONE).new_page()
    watch_for_csp_violations(page)
    page.goto("/signup")
    care_box = page.get_by_label("My care team may see the health data I share with them")
    expect(care_box).not_to_be_checked()
    expect(page.get_by_label("Send me newsletters and offers")).not_to_be_checked()
    expect(page.get_by_text("You can still use the community without it")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Read the full texts"))).to_have_attribute(
        "href", "/privacy/texts"
    )
    assert_accessible(page, "the sign-up page with its consent questions")
    page.get_by_label("Name shown to others").fill("Nia Newmember")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password (10 characters or more)").fill(PASSWORD)
    page.get_by_label("Your region").select_option(label="Ontario")
    care_box.check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Check your mail")

    # Signed in, "/" sends the new customer to onboarding; consent was given at sign-up.
    server.confirm_address(email)
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/onboarding")
    progress = page.locator("#onboarding-progress")
    expect(progress).to_have_text("Step 2 of 4: About you")
    expect(page.locator("#onboarding-steps li", has_text="Your consent")).to_have_class("done")
    assert_accessible(page, "onboarding: about you")
    fill_required_attributes(page)
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Save and continue").click()
    expect(progress).to_have_text("Step 3 of 4: First measurements")
    expect(page.locator("#measurements-heading")).to_be_focused()

    # Saying it is done without a measurement: the reason is beside the step's field.
    page.get_by_role("button", name="I added them").click()
    expect(page.locator("#error-measurements")).to_contain_text("enter a first measurement")
    assert_accessible(page, "onboarding: a measurement missing")
    page.get_by_role("button", name="Skip for now").first.click()
    expect(progress).to_have_text("Step 4 of 4: Your dietitian")
    ask = page.get_by_role("button", name="Ask Dana Dietwell")
    expect(ask).to_be_visible()
    assert_accessible(page, "onboarding: choose a dietitian")
    page.get_by_label("A short message for them (optional)").fill(
        "I would like help with my sugar."
    )
    ask.click()
    expect(page.get_by_role("heading", name="You are all set")).to_be_focused()
    expect(progress).to_have_text("All 4 steps done")
    assert_accessible(page, "onboarding: done")

    # Dana sees the request on My customers and accepts it.
    dana = signed_in_page(browser, server, dana_email)
    dana.goto("/care/requests")
    requests = dana.locator("#request-list")
    expect(requests).to_contain_text("Nia Newmember")
    expect(requests).to_contain_text("I would like help with my sugar.")
    assert_accessible(dana, "my customers with a care request")
    dana.get_by_role("button", name="Accept Nia Newmember").click()
    expect(dana.locator("#requests-status")).to_contain_text("Nia Newmember is now in your care")
    expect(dana.locator("#customer-list")).to_contain_text("Nia Newmember")
    expect(requests).to_contain_text("No request is waiting.")
    expect(
        dana.get_by_role("button", name="Hand Nia Newmember over to another dietitian")
    ).to_be_visible()
    assert_accessible(dana, "my customers after accepting")

    # Nia is told live (the bell), sees the request accepted, and her privacy page says
    # what she agreed to and who looked.
    expect(page.locator("#bell-count")).to_have_text("1")
    page.locator("#bell").click()
    expect(page.locator("#bell-list")).to_contain_text("Dana Dietwell accepted")
    page.goto("/settings#care-requests")
    expect(page.locator("#care-request-list")).to_contain_text("Accepted")
    expect(page.locator("#care-list")).to_contain_text("Dana Dietwell")

    page.locator("details.account summary").click()
    page.get_by_role("link", name="Privacy").click()
    # (The shell puts the unread count before the title: Dana's answer is unread.)
    expect(page).to_have_title(re.compile(r"^(\(\d+\) )?Privacy · eDietitian Community$"))
    consents = page.locator("#consent-list")
    care = consents.locator("li", has_text="My care team may see")
    expect(care).to_contain_text("You agreed on")
    expect(care).to_contain_text("(version 1)")
    marketing = consents.locator("li", has_text="Send me newsletters and offers")
    expect(marketing).to_contain_text("You have not agreed to this.")
    looked = page.locator("#access-list")
    expect(looked).to_contain_text(re.compile(r"Dietitian Dana Dietwell: add care team"))
    expect(looked).to_contain_text(re.compile(r"Dietitian Dana Dietwell: list care requests"))
    expect(page.locator("section#privacy-export")).to_have_count(1)
    assert_accessible(page, "the privacy page")

    page.get_by_role("button", name="Agree: Send me newsletters and offers").click()
    expect(page.locator("#consents-status")).to_contain_text("You agreed: Send me newsletters")
    expect(marketing).to_contain_text("You agreed on")
    page.get_by_role(
        "button", name="Withdraw: My care team may see the health data I share with them"
    ).click()
    expect(page.locator("#consents-status")).to_contain_text("Withdrawn, from now on")
    expect(care).to_contain_text("You withdrew your consent on")
    care.get_by_text("History").click()
    expect(care.locator(".history li")).to_have_count(1)
    assert_accessible(page, "the privacy page after withdrawing")
    page.context.close()
    dana.context.close()
