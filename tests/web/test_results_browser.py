"""Health results in Chromium at a phone's width: a customer adds a weight in lb and sees
it in kg in the table and drawn in the trend chart, imports a lab file whose bad row is
named before anything is stored, and keeps a test to themself; the dietitian of their
care team sees what is shared (and only that), adds a result the customer's open page
shows at once; a test the customer then keeps to themself leaves the dietitian's open
page, and every value does once the customer withdraws consent to care; each page
accessible (axe-core) without sideways scrolling."""

from __future__ import annotations

import re

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import Page, assert_accessible, expect, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]

LAB_FILE = b"""test,value,unit,taken_at,note
glucose_fasting,101,mg/dL,2024-05-02T08:00:00Z,fasting
4548-4,5.9,%,2024-05-02,
waist,34,stone,2024-05-02,
waist,86,cm,2024-05-03,
"""


def drawn(page: Page) -> dict[str, int]:
    """How many points the chart's values line holds, and how many pixels are drawn."""
    return page.evaluate(
        """() => {
          const canvas = document.getElementById("trend-chart");
          const chart = window.Chart.getChart(canvas);
          const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let inked = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) inked += 1;
          return {points: chart.data.datasets.at(-1).data.length,
                  datasets: chart.data.datasets.length, inked};
        }"""
    )


def test_a_customer_records_and_imports_results_and_their_dietitian_sees_what_is_shared(
    server: Server, browser, cluster: Cluster
):
    cara_id, cara_email, cara_token = server.member("Cara Cabbage")
    dino_id, dino_email, dino = server.member("Dino Dill")
    cluster.set_role(dino_id, "dietitian")
    server.form_care_team(cara_id, cara_token, dino_id, dino)
    # The member agreed to care by their care team when signing up (``server.member``).
    status, consents = server.call("GET", "/api/me/consents", token=cara_token)
    assert status == 200 and {c["purpose"]: c["granted"] for c in consents}["care"]

    cara = signed_in_page(browser, server, cara_email)
    cara.get_by_role("navigation", name="Main").get_by_role("link", name="Results").click()
    expect(cara).to_have_title("My results · eDietitian Community")
    expect(cara.locator("#latest-body")).to_contain_text("Weight")
    assert_accessible(cara, "my results, empty")

    # A weight in lb, stored and shown in kg; then a second one, drawn as a line.
    add = cara.locator("#add-form")
    add.get_by_label("Test", exact=True).select_option(label="Weight")
    add.get_by_label("Value", exact=True).fill("180")
    add.get_by_label("Unit", exact=True).select_option(label="lb")
    add.get_by_label("Taken", exact=True).fill("2024-05-01T07:30")
    cara.get_by_role("button", name="Add", exact=True).click()
    expect(cara.locator("#add-status")).to_contain_text("Weight 81.6 kg added")
    weight_row = cara.locator("#latest-body tr[data-test=weight]")
    expect(weight_row).to_contain_text("81.6 kg")
    add.get_by_label("Value", exact=True).fill("80.2")
    add.get_by_label("Unit", exact=True).select_option(label="kg")
    add.get_by_label("Taken", exact=True).fill("2024-05-08T07:30")
    cara.get_by_role("button", name="Add", exact=True).click()
    expect(weight_row).to_contain_text("80.2 kg")
    values = cara.locator("#values-body")
    expect(values).to_contain_text("entered as 180 lb")
    chart = cara.get_by_role("img", name=re.compile(r"Trend of Weight: 2 values"))
    expect(chart).to_be_visible()
    picture = drawn(cara)
    assert picture["points"] == 2 and picture["inked"] > 500, picture
    assert_accessible(cara, "my results with a weight and its trend")

    # A lab file: the bad row is named in the preview, nothing stored until asked.
    cara.set_input_files(
        "#import-file", {"name": "lab.csv", "mimeType": "text/csv", "buffer": LAB_FILE}
    )
    cara.get_by_role("button", name="Preview").click()
    preview = cara.locator("#preview-body")
    expect(preview.locator("tr")).to_have_count(4)
    expect(preview).to_contain_text("Column unit: Waist circumference is not entered in 'stone'")
    expect(cara.locator("#import-status")).to_contain_text("3 rows can be stored; 1 row has")
    expect(cara.locator("#latest-body tr[data-test=glucose_fasting]")).to_contain_text("None yet")
    assert_accessible(cara, "a lab file's preview")
    cara.get_by_role("button", name="Store the 3 valid rows").click()
    expect(cara.locator("#import-status")).to_contain_text("Stored 3 results; 1 skipped")
    glucose = cara.locator("#latest-body tr[data-test=glucose_fasting]")
    expect(glucose).to_contain_text("5.6 mmol/L")
    expect(glucose).to_contain_text("High")

    # Waist is kept to Cara alone.
    cara.get_by_label("Waist circumference: who sees it").select_option("only_me")
    expect(cara.locator("#share-status")).to_contain_text("only you see it now")

    # Dino, from his customers, sees what is shared and not the waist.
    dino_page = signed_in_page(browser, server, dino_email)
    dino_page.goto("/care/requests")
    dino_page.get_by_role("link", name="Results of Cara Cabbage").click()
    expect(dino_page).to_have_title("Results of Cara Cabbage · eDietitian Community")
    latest = dino_page.locator("#latest-body")
    expect(latest).to_contain_text("80.2 kg")
    expect(latest).to_contain_text("5.6 mmol/L")
    expect(latest).not_to_contain_text("Waist")
    expect(dino_page.locator("#share-list")).to_have_count(0)
    assert_accessible(dino_page, "a customer's shared results")

    # What Dino adds is recorded as his, and Cara's open page shows it at once.
    dino_add = dino_page.locator("#add-form")
    dino_add.get_by_label("Test", exact=True).select_option(label="Blood pressure, systolic")
    dino_add.get_by_label("Value", exact=True).fill("135")
    dino_page.get_by_role("button", name="Add", exact=True).click()
    expect(dino_page.locator("#add-status")).to_contain_text("135 mmHg added (High)")
    expect(dino_page.locator("#values-body")).to_contain_text("entered by Dino Dill")
    expect(cara.locator("#latest-body tr[data-test=systolic]")).to_contain_text("135 mmHg")

    # Cara keeps her weight to herself now: it leaves Dino's open page at once.
    cara.get_by_label("Weight: who sees it").select_option("only_me")
    expect(cara.locator("#share-status")).to_contain_text("Weight: only you see it now")
    expect(latest.locator("tr[data-test=weight]")).to_have_count(0)
    expect(latest).to_contain_text("135 mmHg")
    # She withdraws her consent to care: every value leaves his page, which says why.
    status, _ = server.call("DELETE", "/api/me/consents/care", token=cara_token)
    assert status == 204
    expect(dino_page.locator("#access-status")).to_contain_text(
        "Access ended: Cara Cabbage no longer shares their results with you."
    )
    expect(latest.locator("tr")).to_have_count(0)
    expect(dino_page.locator("#values-body tr")).to_have_count(0)
    expect(dino_page.get_by_role("heading", name="Latest results")).to_be_hidden()
    dino_page.context.close()
    cara.context.close()
