"""The care team's pages as served: the dashboard for professionals (customers are pointed
to their care team), care requests on a page of their own, and a customer's page that
links their plans, goals, results and alerts and holds their notes; a medical provider is
offered nothing they may not do (plans, goals and alert rules are the dietitian's)."""

from __future__ import annotations

from accounts.roles import Role
from advice.models import CareTeamMember
from tests.advice.dashboard_helpers import into_care


def page(client, user, path):
    client.force_login(user)
    response = client.get(path)
    return response.status_code, response.content.decode()


def test_the_dashboard_and_a_customers_page_for_a_dietitian_and_a_medical_provider(
    client, make_user
):
    ann = make_user(display_name="Ann")
    dietitian = make_user(Role.DIETITIAN)
    provider = make_user(Role.MEDICAL_PROVIDER)
    into_care(ann, dietitian)
    CareTeamMember.objects.create(customer=ann, professional=provider)
    hub = f"/care/customers/{ann.pk}"
    for who, writes in ((dietitian, True), (provider, False)):
        status, html = page(client, who, "/care")
        assert status == 200 and "care-dashboard.js" in html
        assert ("plans, goals and alert rules" in html) is not writes
        status, html = page(client, who, hub)
        assert status == 200 and "care-hub.js" in html and 'id="note-form"' in html
        for link in ("plans", "goals", "results", "alerts"):
            assert f'href="{hub}/{link}"' in html
        assert ("Care plans (read only)" in html) is not writes
        assert ("Goals and check-ins (read only)" in html) is not writes
        # The page names the customer; values and notes come from the API (audited there).
        assert "Ann" in html
    for path in ("/care", "/care/requests"):
        status, html = page(client, ann, path)
        assert status == 403 and 'href="/settings#care-team"' in html
    status, _ = page(client, ann, hub)
    assert status == 404
