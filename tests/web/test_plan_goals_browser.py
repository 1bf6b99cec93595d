"""The goals a plan proposes, in Chromium at a phone's width: a dietitian writes a habit
and a target into a template (a target no person could reach is refused, the goal named),
starts a customer's plan from it (its goals come along), and publishes it; the customer's
goals page has them, proposed, to accept; each page accessible without sideways
scrolling."""

from __future__ import annotations

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import assert_accessible, expect, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def test_a_templates_goals_are_proposed_to_the_customer_when_her_plan_is_published(
    server: Server, browser, cluster: Cluster
):
    gina_id, gina_email, gina_token = server.member("Gina Ginger")
    dirk_id, dirk_email, dirk_token = server.member("Dirk Dill")
    cluster.set_role(dirk_id, "dietitian")
    server.form_care_team(gina_id, gina_token, dirk_id, dirk_token)

    dirk = signed_in_page(browser, server, dirk_email)
    dirk.goto("/care/templates")
    dirk.get_by_label("Title", exact=True).fill("Hydration")
    dirk.get_by_role("button", name="Add a goal").click()
    first = dirk.get_by_role("group", name="Goal 1")
    expect(first.get_by_label("Kind")).to_be_focused()
    first.get_by_label("Habit", exact=True).fill("Water with each meal")
    first.get_by_label("Times").fill("3")
    dirk.get_by_role("button", name="Add a goal").click()
    second = dirk.get_by_role("group", name="Goal 2")
    second.get_by_label("Kind").select_option("target")
    second.get_by_label("Test", exact=True).select_option("weight")
    second.get_by_label("Target", exact=True).fill("900")
    assert_accessible(dirk, "a template with two goals being written")
    dirk.get_by_role("button", name="Save template").click()
    # The form says which goal and which field, beside it, and puts the focus there.
    expect(dirk.locator("#form-status")).to_contain_text(
        "Not saved: Goal 2, Target: Weight must be from"
    )
    target = second.get_by_label("Target", exact=True)
    expect(target).to_be_focused()
    expect(target).to_have_attribute("aria-invalid", "true")
    assert_accessible(dirk, "a goal refused, its field marked")
    target.fill("80")
    dirk.get_by_role("button", name="Save template").click()
    expect(dirk.locator("#form-status")).to_contain_text("Saved: Hydration.")
    card = dirk.get_by_role("article", name="Hydration")
    expect(card.locator("li")).to_have_text(
        ["Water with each meal 3 times a day", "Weight ≤ 80 kg"]
    )

    dirk.goto(f"/care/customers/{gina_id}/plans")
    dirk.get_by_label("Start from a template").select_option(label="Hydration")
    expect(
        dirk.get_by_role("group", name="Goal 2").get_by_label("Target", exact=True)
    ).to_have_value("80")
    dirk.get_by_role("button", name="Save draft").click()
    expect(dirk.locator("#form-status")).to_contain_text("Draft saved")
    # (Saved at once, before the catalogue's list of tests had loaded, or after: the same.)
    dirk.get_by_role("button", name="Publish Hydration").click()
    expect(dirk.locator("#list-status")).to_contain_text("Published")
    expect(dirk.get_by_role("article", name="Hydration")).to_contain_text("Goals proposed")

    gina = signed_in_page(browser, server, gina_email)
    gina.goto("/plans")
    expect(gina.get_by_role("article", name="Hydration")).to_contain_text("Weight ≤ 80 kg")
    gina.goto("/goals")
    goals = gina.locator("main")
    expect(goals).to_contain_text("Water with each meal 3 times a day")
    expect(goals).to_contain_text("Weight ≤ 80 kg")
    expect(goals).to_contain_text("Proposed")
    assert_accessible(gina, "goals a plan proposed")
    dirk.context.close()
    gina.context.close()
