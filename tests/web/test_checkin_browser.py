"""Check-in in Chromium at a phone's width: a customer taps "Done" on a habit and a mood,
and the habit's progress moves at once, on the check-in page and on their goals; their
dietitian sees the goal and the shared mood, not the one kept "only me" (offered for the
mood, meal or symptoms; a measurement is shared as its test is, chosen on Results). Each
page accessible (axe-core) without sideways scrolling."""

from __future__ import annotations

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import assert_accessible, expect, signed_in_page, titled

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def test_a_customer_checks_in_a_habit_and_a_mood_and_the_goal_moves(
    server: Server, browser, cluster: Cluster
):
    cara_id, cara_email, cara_token = server.member("Cara Carrot")
    dino_id, dino_email, dino_token = server.member("Dino Dill")
    cluster.set_role(dino_id, "dietitian")
    server.form_care_team(cara_id, cara_token, dino_id, dino_token)
    status, goal = server.call("POST", "/api/goals", {
        "kind": "habit", "habit": "Drink a glass of water", "times": 2, "period": "day",
    }, token=cara_token)  # fmt: skip
    assert status == 201, goal

    page = signed_in_page(browser, server, cara_email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check-in").click()
    expect(page).to_have_title(titled("Check-in · eDietitian Community"))
    habit = page.locator(f"#habit-list li[data-goal='{goal['id']}']")
    expect(habit).to_contain_text("0 of 2 today")
    assert_accessible(page, "the check-in page")

    page.get_by_role("button", name="Done: Drink a glass of water (0 of 2)").click()
    expect(page.locator("#checkin-status")).to_contain_text("Checked in: Drink a glass of water")
    expect(habit).to_contain_text("1 of 2 today")
    expect(habit.locator("progress")).to_have_attribute("value", "50")
    page.get_by_role("button", name="Mood 4 of 5").click()
    expect(page.locator("#checkin-status")).to_contain_text("Mood 4 of 5 logged")
    expect(page.get_by_role("button", name="Mood 4 of 5")).to_have_attribute("aria-pressed", "true")
    recent = page.locator("#recent-list")
    expect(recent).to_contain_text("Mood 4 of 5 (good)")
    expect(recent).to_contain_text("Done: Drink a glass of water")
    assert_accessible(page, "the check-in page after two check-ins")
    sharing = page.locator("#measure-sharing").get_by_role("link", name="Results")
    expect(sharing).to_have_attribute("href", "/results")
    page.get_by_label("Only me: keep the mood, meal or symptoms I log now").check()
    page.get_by_role("button", name="Mood 1 of 5: low").click()
    expect(page.locator("#checkin-status")).to_contain_text("Mood 1 of 5 logged (only you see it)")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Goals").click()
    expect(page).to_have_title(titled("My goals · eDietitian Community"))
    mine = page.locator(f"#goal-list li[data-goal='{goal['id']}']")
    expect(mine).to_contain_text("1 of 2 today")
    expect(mine).to_contain_text("Active")
    assert_accessible(page, "my goals")

    # Dino sees the goal and the shared mood only.
    dino = signed_in_page(browser, server, dino_email)
    dino.goto(f"/care/customers/{cara_id}/goals")
    expect(dino).to_have_title(titled("Goals of Cara Carrot · eDietitian Community"))
    expect(dino.locator(f"#goal-list li[data-goal='{goal['id']}']")).to_contain_text("1 of 2 today")
    shared = dino.locator("#recent-list")
    expect(shared).to_contain_text("Mood 4 of 5 (good)")
    expect(shared).not_to_contain_text("Mood 1 of 5")
    expect(dino.locator("#missed-list")).to_contain_text("Drink a glass of water")
    assert_accessible(dino, "a customer's goals for their dietitian")
