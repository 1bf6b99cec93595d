"""Care plans in Chromium at a phone's width: a dietitian writes and publishes a plan for
a customer in their care; the customer's open plans page shows it without a reload,
they acknowledge it (the dietitian's open page says so), and ask about it in their
conversation; a second version is published and the customer's page shows what changed,
in words; a template sent to the dietitian's class reaches only those in their care;
each page accessible (axe-core) without sideways scrolling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import assert_accessible, expect, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def test_a_published_plan_reaches_the_customer_live_and_a_new_version_shows_what_changed(
    server: Server, browser, cluster: Cluster
):
    cara_id, cara_email, cara_token = server.member("Cara Celery")
    dino_id, dino_email, dino_token = server.member("Dino Dill")
    cluster.set_role(dino_id, "dietitian")
    server.form_care_team(cara_id, cara_token, dino_id, dino_token)

    cara = signed_in_page(browser, server, cara_email)
    cara.get_by_role("navigation", name="Main").get_by_role("link", name="Plans").click()
    expect(cara).to_have_title("My care plans · eDietitian Community")
    expect(cara.locator("#plan-list")).to_contain_text("No care plan yet")
    assert_accessible(cara, "my plans, none yet")

    dino = signed_in_page(browser, server, dino_email)
    dino.goto(f"/care/customers/{cara_id}/plans")
    # (His bell counts the notice that Cara joined his care.)
    expect(dino).to_have_title("(1) Care plans of Cara Celery · eDietitian Community")
    dino.get_by_label("Title", exact=True).fill("Steadier mornings")
    dino.get_by_label("Advice (Markdown)").fill("Eat breakfast **before** nine.\nWalk after lunch.")
    dino.get_by_label("Recommendations, one a line").fill("Vegetables at lunch\nWater with meals")
    dino.get_by_label("Links, one a line").fill("Plate guide | http://example.org/plate")
    dino.get_by_role("button", name="Save draft").click()
    expect(dino.locator("#form-status")).to_contain_text("must be an https:// address")
    dino.get_by_label("Links, one a line").fill("Plate guide | https://example.org/plate")
    dino.get_by_role("button", name="Save draft").click()
    expect(dino.locator("#form-status")).to_contain_text("Draft saved")
    expect(dino.locator("#plan-list")).to_contain_text("A draft: never published.")
    assert_accessible(dino, "a customer's plans with a draft")
    # The draft is not Cara's to see.
    expect(cara.locator("#plan-list")).to_contain_text("No care plan yet")

    dino.get_by_role("button", name="Publish Steadier mornings").click()
    expect(dino.locator("#list-status")).to_contain_text("Published: Cara Celery is told.")
    # Cara's open page shows it at once.
    plan = cara.get_by_role("article", name="Steadier mornings")
    expect(plan).to_contain_text("Version 1, published")
    expect(plan.locator("strong")).to_have_text("before")
    expect(plan.get_by_role("link", name="Plate guide")).to_have_attribute(
        "href", "https://example.org/plate"
    )
    # Her bell rings too (the notice that Dino joined her care team, and this one).
    expect(cara.locator("#bell-count")).to_have_text("2")
    assert_accessible(cara, "my plan")
    cara.get_by_role("button", name="Acknowledge Steadier mornings").click()
    expect(plan).to_contain_text("You acknowledged this version on")
    # Dino's open page hears of it.
    expect(dino.locator("#plan-list")).to_contain_text("Cara Celery acknowledged it on")

    # A second version: the customer still reads the first until it is published.
    dino.get_by_role("button", name="Start a new version of Steadier mornings").click()
    expect(dino.get_by_role("heading", name="New version of Steadier mornings")).to_be_visible()
    dino.get_by_label("Recommendations, one a line").fill("Vegetables at lunch\nFruit as a snack")
    dino.get_by_label("What changed (optional)").fill("Fruit instead of water")
    dino.get_by_role("button", name="Save draft").click()
    expect(dino.locator("#plan-list")).to_contain_text("A draft of version 2 waits")
    dino.get_by_role("button", name="Publish Steadier mornings").click()
    expect(dino.locator("#list-status")).to_contain_text("Published")

    expect(plan).to_contain_text("Version 2, published")
    expect(plan).to_contain_text("What changed: Fruit instead of water")
    changes = plan.get_by_role("region", name="What changed since version 1")
    expect(changes.locator("li.added")).to_have_text(["+Added: Fruit as a snack"])
    expect(changes.locator("li.removed")).to_have_text(["\u2212Removed: Water with meals"])
    expect(plan.get_by_role("button", name="Acknowledge Steadier mornings")).to_be_visible()
    assert_accessible(cara, "a new version and what changed")

    # Dino keeps a template and sends it to the class he runs: Cara, in his care, gets
    # her own copy at once; Olga, enrolled but not in his care, is only counted.
    _, _, olga_token = server.member("Olga Okra")
    start = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    lesson = {"title": "Label reading", "wellness_education": True, "first_start": start}
    lesson |= {"duration_minutes": 60, "sessions": 2}
    status, series = server.call("POST", "/api/classes", lesson, token=dino_token)
    assert status == 201, series
    for token in (cara_token, olga_token):
        status, _ = server.call("PUT", f"/api/classes/{series['id']}/enrollment", token=token)
        assert status == 204
    dino.goto("/care/templates")
    dino.get_by_label("Title", exact=True).fill("Reading labels")
    dino.get_by_label("Recommendations, one a line").fill("Sugar is in the first three")
    dino.get_by_role("button", name="Save template").click()
    expect(dino.get_by_role("article", name="Reading labels")).to_contain_text("Yours")
    dino.get_by_role("button", name="Send").click()
    expect(dino.locator("#send-status")).to_have_text(
        "Sent to 1 customer of Label reading, each their own copy. "
        "1 member not in your care skipped."
    )
    assert_accessible(dino, "plan templates and a send")
    # (The notices of a send come from a job, which these servers run no worker for.)
    cara.reload()
    expect(cara.get_by_role("article", name="Reading labels")).to_contain_text("Version 1")
    plan = cara.get_by_role("article", name="Steadier mornings")

    # Asking about it opens the conversation with Dino.
    plan.get_by_role("link", name="Ask Dino Dill about Steadier mornings").click()
    expect(cara.locator("#thread-title")).to_contain_text("Dino Dill")
    dino.context.close()
    cara.context.close()
