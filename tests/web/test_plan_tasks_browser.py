"""Care plan tasks and versions in Chromium at a phone's width: the customer ticks a task
of her plan with the keyboard (a real checkbox with its label) and sees how many are
done; her dietitian's open page shows it ticked, then unticked, without a reload; the
dietitian compares any two versions of the plan on his page, and the comparison stays
open when the page reads the plans again. Each page accessible (axe-core) without
sideways scrolling."""

from __future__ import annotations

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import assert_accessible, expect, signed_in_page, titled

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]

TASKS = [{"text": "Book a blood test"}, {"text": "Buy a scale"}, {"text": "Walk after lunch"}]


def test_the_customer_ticks_a_task_and_her_dietitian_sees_it_live_and_compares_versions(
    server: Server, browser, cluster: Cluster
):
    cara_id, cara_email, cara_token = server.member("Cara Celery")
    dino_id, dino_email, dino_token = server.member("Dino Dill")
    cluster.set_role(dino_id, "dietitian")
    server.form_care_team(cara_id, cara_token, dino_id, dino_token)
    # Version 1, then version 2 with a task changed, both published.
    words = {"customer_id": cara_id, "title": "Steadier mornings", "tasks": TASKS}
    status, plan = server.call("POST", "/api/care-plans", words, token=dino_token)
    assert status == 201, plan
    path = f"/api/care-plans/{plan['id']}"
    assert server.call("POST", path + "/publish", token=dino_token)[0] == 200
    change = {"tasks": [*TASKS[:1], {"text": "Buy a kitchen scale"}, *TASKS[2:]]}
    change["change_note"] = "A kitchen scale"
    assert server.call("PATCH", path, change, token=dino_token)[0] == 200
    assert server.call("POST", path + "/publish", token=dino_token)[0] == 200

    dino = signed_in_page(browser, server, dino_email)
    dino.goto(f"/care/customers/{cara_id}/plans")
    expect(dino).to_have_title(titled("Care plans of Cara Celery · eDietitian Community"))
    card = dino.locator(f"#plan-{plan['id']}")
    ticks = card.get_by_role("region", name="Tasks")
    expect(ticks).to_contain_text("0 of 3 done")
    blood_test = ticks.get_by_role("listitem").filter(has_text="Book a blood test")
    expect(blood_test).to_contain_text("Not done yet")

    cara = signed_in_page(browser, server, cara_email)
    cara.goto("/plans")
    mine = cara.get_by_role("article", name="Steadier mornings")
    box = mine.get_by_role("checkbox", name="Book a blood test")
    expect(box).not_to_be_checked()
    expect(mine.locator(".task-progress")).to_have_text("0 of 3 done")
    assert_accessible(cara, "my plan's tasks")
    # With the keyboard: the box takes focus and Space ticks it.
    box.focus()
    cara.keyboard.press("Space")
    expect(box).to_be_checked()
    expect(mine.locator(".task-progress")).to_have_text("1 of 3 done")
    expect(mine).to_contain_text("Done on")
    expect(box).to_be_focused()
    assert_accessible(cara, "my plan with a task done")

    # Dino's open page shows it at once.
    expect(ticks).to_contain_text("1 of 3 done")
    expect(blood_test).to_contain_text("Done on")

    # He compares version 1 with version 2, then the other way round.
    card.get_by_text("Compare versions").click()
    card.get_by_label("From").select_option("1")
    card.get_by_label("To").select_option("2")
    card.get_by_role("button", name="Compare", exact=True).click()
    result = card.locator(".compare-result")
    expect(result).to_contain_text("From version 1 to version 2")
    expect(result.locator("li.added")).to_have_text(["+Added: Buy a kitchen scale"])
    expect(result.locator("li.removed")).to_have_text(["\u2212Removed: Buy a scale"])
    assert_accessible(dino, "a comparison of two versions")
    card.get_by_label("From").select_option("2")
    card.get_by_label("To").select_option("1")
    card.get_by_role("button", name="Compare", exact=True).click()
    expect(result).to_contain_text("From version 2 to version 1")
    expect(result.locator("li.added")).to_have_text(["+Added: Buy a scale"])

    # Cara unticks it (a click this time): Dino's page says so, his comparison still open.
    box.click()
    expect(box).not_to_be_checked()
    expect(mine.locator(".task-progress")).to_have_text("0 of 3 done")
    expect(ticks).to_contain_text("0 of 3 done")
    expect(blood_test).to_contain_text("Not done yet")
    expect(card.locator(".compare-result")).to_contain_text("From version 2 to version 1")
    dino.context.close()
    cara.context.close()
