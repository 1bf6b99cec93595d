"""Alerts in Chromium at a phone's width: the dietitian's open alerts page shows an alert
the moment the customer records a result past a default rule (no reload), with its
severity in words, and the dietitian acknowledges it with a note, then raises the rule's
threshold for that customer alone on her alerts page; accessible (axe-core)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import assert_accessible, expect, signed_in_page, titled

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def test_an_out_of_range_result_shows_an_alert_live_and_is_acknowledged(
    server: Server, browser, cluster: Cluster
):
    cora_id, _, cora_token = server.member("Cora Celery")
    dan_id, dan_email, dan = server.member("Dan Dandelion")
    cluster.set_role(dan_id, "dietitian")
    server.form_care_team(cora_id, cora_token, dan_id, dan)

    page = signed_in_page(browser, server, dan_email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    expect(page).to_have_title(titled("Alerts · eDietitian Community"))
    expect(page.locator("#alert-list")).to_contain_text("No open alerts.")
    assert_accessible(page, "no open alerts")

    taken = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    status, _ = server.call(
        "POST",
        f"/api/customers/{cora_id}/results",
        {"test": "systolic", "value": 192, "unit": "mm[Hg]", "taken_at": taken},
        token=cora_token,
    )
    assert status == 201
    item = page.get_by_role("listitem").filter(has_text="Blood pressure crisis (systolic)")
    expect(item).to_contain_text("critical")
    expect(item).to_contain_text("Cora Celery")
    expect(item).to_contain_text("192 mm[Hg]")
    assert_accessible(page, "an open alert")

    item.get_by_label("Note on Blood pressure crisis (systolic) for Cora Celery").fill(
        "Called Cora: rechecking tomorrow"
    )
    item.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#alerts-status")).to_contain_text("Acknowledged")
    expect(item).to_contain_text("acknowledged by Dan Dandelion")
    expect(item).to_contain_text("Called Cora: rechecking tomorrow")
    expect(item.get_by_role("button", name="Acknowledge")).to_have_count(0)

    # Her rules: the crisis threshold raised for her alone; her history holds the alert.
    item.get_by_role("link", name="Cora Celery").click()
    expect(page).to_have_title(titled("Alerts of Cora Celery · eDietitian Community"))
    crisis = page.get_by_role("row").filter(has_text="Blood pressure crisis (systolic)")
    expect(crisis).to_contain_text("systolic at or above 180 mm[Hg]")
    crisis.get_by_label("Threshold for this customer (mm[Hg])").fill("190")
    crisis.get_by_role("button", name="Save").click()
    expect(page.locator("#rules-status")).to_contain_text("Saved")
    expect(crisis).to_contain_text("changed for this customer")
    expect(crisis).to_contain_text("at or above 190 mm[Hg]")
    expect(page.locator("#history-list")).to_contain_text("acknowledged by Dan Dandelion")
    assert_accessible(page, "a customer's rules and alerts")
    page.context.close()
