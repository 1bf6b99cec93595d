"""The profile pages in Chromium at a phone's width: a customer fills in fields of every
kind and chooses who sees each, sees an error beside the field at fault, loses nothing
when the profile was changed elsewhere first, and reads the history; the dietitian in
her care sees on /care/customers/{id} only what is shared with the care team, and the
customer's card from her name in the forum; once the customer withdraws consent to care,
nothing of her profile stays on the dietitian's open page. Each page accessible
(axe-core)."""

from __future__ import annotations

import re

import pytest

from tests.web.browsing import assert_accessible, expect, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def test_a_customer_edits_her_profile_and_her_dietitian_sees_what_she_shares(
    cluster, server, browser
):
    casey_id, casey_email, casey_token = server.member("Casey Carrot")
    dana_id, dana_email, dana_token = server.member("Dana Dill")
    cluster.set_role(dana_id, "dietitian")
    server.form_care_team(casey_id, casey_token, dana_id, dana_token)
    # The member agreed to care by their care team when signing up (``server.member``).
    status, consents = server.call("GET", "/api/me/consents", token=casey_token)
    assert status == 200 and {c["purpose"]: c["granted"] for c in consents}["care"]

    casey = signed_in_page(browser, server, casey_email)
    casey.get_by_role("link", name="Profile").click()
    expect(casey).to_have_title("My profile · eDietitian Community")
    expect(casey.get_by_label("Date of birth", exact=True)).to_be_visible()
    assert_accessible(casey, "my profile")

    casey.get_by_label("Date of birth", exact=True).fill("1985-03-14")
    casey.get_by_label("Sex", exact=True).select_option(label="Female")
    goals = casey.get_by_role("group", name="Health goals")
    goals.get_by_label("Eat healthier").check()
    casey.get_by_role("group", name="Health conditions").get_by_label("Prediabetes").check()
    casey.get_by_label("Who sees Health conditions").select_option(label="Only me")
    casey.get_by_label("Sleep on a usual night (h)").fill("30")
    casey.get_by_label("City", exact=True).fill("Toronto")
    casey.get_by_label("Who sees City").select_option("community")
    casey.get_by_label("About me", exact=True).fill("Cyclist, learning to cook.")
    casey.get_by_role("button", name="Save", exact=True).click()

    # The error is beside the field it is about, which has the focus.
    sleep = casey.get_by_label("Sleep on a usual night (h)")
    expect(casey.locator("#e-sleep_hours")).to_have_text(
        "Sleep on a usual night must be at most 24 h"
    )
    expect(sleep).to_be_focused()
    expect(sleep).to_have_attribute("aria-invalid", "true")
    expect(casey.locator("#profile-status")).to_contain_text("Not saved")
    assert_accessible(casey, "my profile with an error")
    sleep.fill("7.5")
    casey.get_by_role("button", name="Save", exact=True).click()
    expect(casey.locator("#profile-status")).to_have_text("Saved.")
    expect(casey.locator("#e-sleep_hours")).to_have_text("")

    # Changed elsewhere (another device) before her next save: nothing typed is lost.
    status, other_device = server.call(
        "PATCH",
        f"/api/customers/{casey_id}/profile",
        {"version": 1, "values": {"diet": "vegetarian"}},
        token=casey_token,
    )
    assert status == 200, other_device
    casey.get_by_label("Medications and supplements", exact=True).fill("Metformin 500 mg")
    casey.get_by_role("button", name="Save", exact=True).click()
    expect(casey.locator("#profile-status")).to_contain_text("changed elsewhere")
    expect(casey.get_by_label("Diet", exact=True)).to_have_value("vegetarian")
    medications = casey.get_by_label("Medications and supplements", exact=True)
    expect(medications).to_have_value("Metformin 500 mg")
    casey.get_by_role("button", name="Save", exact=True).click()
    expect(casey.locator("#profile-status")).to_have_text("Saved.")

    casey.get_by_text("History of changes").click()
    history = casey.locator("#history-list li")
    expect(history.first).to_contain_text("Medications and supplements: not given → Metformin")
    expect(casey.locator("#history-list")).to_contain_text(
        "who sees City: Only me → My care team and my community profile"
    )
    assert_accessible(casey, "my profile with its history")

    # Dana, from her customers, sees what Casey shares with the care team, and only that.
    dana = signed_in_page(browser, server, dana_email)
    dana.goto("/care")
    dana.get_by_role("link", name="Casey Carrot", exact=True).click()
    expect(dana.get_by_role("heading", level=1)).to_have_text("Casey Carrot\u2019s profile")
    shared = dana.locator("#shared-sections")
    expect(shared.locator("dd[data-key=birth_date]")).to_have_text("1985-03-14")
    expect(shared.locator("dd[data-key=medications]")).to_have_text("Metformin 500 mg")
    expect(shared.locator("dd[data-key=diet]")).to_have_text("Vegetarian")
    expect(shared.locator("dd[data-key=city]")).to_have_text("Toronto")
    expect(shared.locator("dt")).to_have_count(7)
    expect(shared).not_to_contain_text("Prediabetes")  # only Casey's
    expect(shared).not_to_contain_text("Cyclist")  # only Casey's
    expect(dana.get_by_role("link", name="Results and measurements")).to_have_attribute(
        "href", f"/care/customers/{casey_id}/results"
    )
    assert_accessible(dana, "a customer's shared profile")

    # Casey shares less: Dana's page follows without a reload.
    casey.get_by_label("Who sees Medications and supplements").select_option("only_me")
    casey.get_by_role("button", name="Save", exact=True).click()
    expect(casey.locator("#profile-status")).to_have_text("Saved.")
    expect(shared.locator("dd[data-key=medications]")).to_have_count(0)

    # In the forum, Casey's name opens her community card: her city, nothing medical.
    category_id = cluster.category("Cycling", "cycling-profiles", "Rides")
    status, made = server.call(
        "POST",
        f"/api/forum/categories/{category_id}/threads",
        {"title": "Weekend rides", "body": "Who rides on Sundays?"},
        token=casey_token,
    )
    assert status == 201, made
    dana.goto(f"/forum/t/{made['thread']['id']}")
    author = dana.locator(".post .meta").get_by_role("button", name="Casey C.")
    expect(author).to_have_attribute("aria-expanded", "false")
    author.click()
    card = dana.get_by_role("region", name="Community profile of Casey C.")
    expect(card).to_contain_text("City")
    expect(card).to_contain_text("Toronto")
    expect(card).not_to_contain_text(re.compile("1985|Metformin|Vegetarian"))
    assert_accessible(dana, "a forum author's card")
    dana.keyboard.press("Escape")
    expect(card).to_be_hidden()
    expect(author).to_be_focused()

    # Casey withdraws her consent to care: Dana's open page of her profile empties.
    dana.goto(f"/care/customers/{casey_id}")
    expect(shared.locator("dd[data-key=city]")).to_have_text("Toronto")
    status, _ = server.call("DELETE", "/api/me/consents/care", token=casey_token)
    assert status == 204
    expect(dana.locator("#shared-status")).to_have_text(
        "Access ended: this profile is no longer shared with you."
    )
    expect(shared.locator("dd")).to_have_count(0)
