"""The care team's dashboard in Chromium, with the dietitian and her customer in two
browsers: the dashboard lists her customers (a card each on a phone, a table on a wide
screen) with their latest shared values; a weight the customer logs on her check-in page
updates her row without a reload, and a fasting glucose out of range raises an alert that
shows on the dashboard without a reload; on the customer's page the dietitian sees them at
a glance and adds a note; every page accessible (axe-core) without sideways scrolling."""

from __future__ import annotations

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import DESKTOP, assert_accessible, expect, signed_in_page, titled

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def record_weight(server: Server, customer_id: int, token: str, kg: float, taken_at: str) -> None:
    body = {"test": "weight", "value": kg, "unit": "kg", "taken_at": taken_at}
    status, made = server.call("POST", f"/api/customers/{customer_id}/results", body, token=token)
    assert status == 201, made


def test_a_dietitians_dashboard_follows_her_customers_live(
    server: Server, browser, cluster: Cluster
):
    cora_id, cora_email, cora_token = server.member("Cora Celery")
    finn_id, _, finn_token = server.member("Finn Fennel")
    dana_id, dana_email, dana_token = server.member("Dana Dashwood")
    cluster.set_role(dana_id, "dietitian")
    for customer_id, token in ((cora_id, cora_token), (finn_id, finn_token)):
        server.form_care_team(customer_id, token, dana_id, dana_token)
    for kg, day in ((82.0, "01"), (82.0, "08"), (81.9, "15")):
        record_weight(server, cora_id, cora_token, kg, f"2024-05-{day}T07:30:00Z")

    dana = signed_in_page(browser, server, dana_email)
    dana.goto("/care")
    expect(dana).to_have_title(titled("My customers · eDietitian Community"))
    cora = dana.locator(f"#board-body tr[data-customer='{cora_id}']")
    expect(cora.locator("td[data-test=weight]")).to_contain_text("81.9 kg")
    expect(cora.locator("td[data-test=weight]")).to_contain_text("steady")
    expect(dana.locator(f"#board-body tr[data-customer='{finn_id}']")).to_contain_text("never")
    assert_accessible(dana, "the dashboard on a phone")

    # Cora weighs in on her phone's check-in page: Dana's row follows, the arrow in words.
    phone = signed_in_page(browser, server, cora_email)
    phone.goto("/check-in")

    def measure(test: str, value: str, unit: str) -> None:
        phone.get_by_label("Test").select_option(label=test)
        phone.get_by_label("Value").fill(value)
        phone.get_by_label("Unit").select_option(value=unit)
        phone.get_by_role("button", name="Log the measurement").click()
        expect(phone.locator("#checkin-status")).to_contain_text(f"{test} logged: {value} {unit}")

    measure("Weight", "80.4", "kg")
    expect(cora.locator("td[data-test=weight]")).to_contain_text("80.4 kg")
    expect(cora.locator("td[data-test=weight]")).to_contain_text("falling")
    alerts = cora.locator("td[data-label='Open alerts']")
    expect(alerts).to_have_text("0")

    # A fasting glucose in the diabetes range (a default rule): the alert reaches Dana's
    # dashboard without a reload, its severity in words.
    measure("Fasting glucose", "9.1", "mmol/L")
    expect(alerts).to_have_text("1 (warning)")
    assert_accessible(phone, "the check-in page after a measurement")
    expect(cora.get_by_role("link", name="1")).to_have_attribute(
        "href", f"/care/customers/{cora_id}/alerts"
    )

    # Sorted and filtered from the controls; the choice is kept in the address.
    dana.get_by_label("Sort by").select_option(label="Name")
    dana.get_by_label("Order").select_option(label="Highest or newest first (Z to A)")
    expect(dana.locator("#board-body th").first).to_have_text("Finn Fennel")
    assert "order=desc" in dana.url

    # Cora's page: at a glance, and a note Dana adds.
    cora.get_by_role("link", name="Cora Celery").click()
    expect(dana.get_by_role("heading", level=1)).to_have_text("Cora Celery\u2019s profile")
    expect(dana.locator("#glance")).to_contain_text("80.4 kg")
    for name in ("Care plans", "Goals and check-ins", "Results and measurements", "Alerts"):
        record = dana.get_by_role("navigation", name="Cora Celery\u2019s care record")
        expect(record.get_by_role("link", name=name)).to_be_visible()
    dana.get_by_label("New note").fill("Talked about **breakfast**: eggs twice a week.")
    dana.get_by_role("button", name="Add the note").click()
    expect(dana.locator("#notes-status")).to_have_text("Note added.")
    expect(dana.locator("#note-list strong")).to_have_text("breakfast")
    assert_accessible(dana, "a customer's page with a note")
    status, notes = server.call("GET", f"/api/care/customers/{cora_id}/notes", token=cora_token)
    assert status == 200 and notes["items"][0]["body"].startswith("Talked about")

    # A wide screen shows a table with its column headers.
    wide = signed_in_page(browser, server, dana_email, viewport=DESKTOP)
    wide.goto("/care")
    expect(wide.get_by_role("columnheader", name="Open alerts")).to_be_visible()
    expect(wide.locator(f"#board-body tr[data-customer='{cora_id}']")).to_contain_text("80.4 kg")
    assert_accessible(wide, "the dashboard on a wide screen")
    for page in (dana, wide, phone):
        page.context.close()
