"""Who writes a customer's alert rules and answers their alerts: their care team's
dietitian. A medical provider of the care team reads both (403 on a write, and their
pages offer no form for it). Deleting a rule never deletes the alerts it raised: a rule
with alerts is switched off instead."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from advice.models import Alert, AlertRule, CareTeamMember
from tests.advice.alert_helpers import get, patch, post, rule
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(make_user, cared):
    """A medical provider in the same customer's care team."""
    made = make_user(Role.MEDICAL_PROVIDER, display_name="Dr Pat")
    CareTeamMember.objects.create(customer=cared, professional=made)
    return made


def test_a_medical_provider_reads_rules_and_writes_none(client, dietitian, cared, provider):
    default = rule(name="BP high", kind="above", test="systolic", threshold=150)
    path = "/api/alert-rules"
    assert get(client, provider, f"{path}?customer_id={cared.pk}").status_code == 200
    refused = post(
        client,
        provider,
        path,
        {"customer_id": cared.pk, "overrides_id": default.pk, "threshold": 170},
    )
    assert refused.status_code == 403 and "dietitian" in api_json(refused)["message"]
    assert not AlertRule.objects.filter(customer=cared).exists()
    override = api_json(
        post(
            client,
            dietitian,
            path,
            {"customer_id": cared.pk, "overrides_id": default.pk, "threshold": 170},
        )
    )
    assert (
        patch(client, provider, f"{path}/{override['id']}", {"threshold": 160}).status_code == 403
    )
    assert client.delete(f"{path}/{override['id']}", **bearer(provider)).status_code == 403
    kept = AlertRule.objects.get(pk=override["id"])
    assert (kept.threshold, kept.active) == (170, True)


def test_a_medical_provider_reads_alerts_and_answers_none(
    client, dietitian, cared, provider, write, no_defaults
):
    rule(kind="above", test="systolic", threshold=150, severity="critical")
    write(cared, "systolic", 190, "mm[Hg]")
    (alert,) = Alert.objects.filter(customer=cared)
    assert [a["id"] for a in api_json(get(client, provider, "/api/alerts"))] == [alert.pk]
    for action in ("acknowledge", "resolve"):
        refused = post(client, provider, f"/api/alerts/{alert.pk}/{action}", {"note": "seen"})
        assert refused.status_code == 403 and "dietitian" in api_json(refused)["message"]
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.note) == ("open", None, "")
    assert post(client, dietitian, f"/api/alerts/{alert.pk}/acknowledge").status_code == 200


def test_the_alert_pages_offer_no_write_controls_to_a_medical_provider(
    client, dietitian, cared, provider
):
    for who, offered in ((dietitian, True), (provider, False)):
        client.force_login(who)
        for path in ("/care/alerts", f"/care/customers/{cared.pk}/alerts"):
            page = client.get(path).content.decode()
            assert ('id="answer-form"' in page) is offered, (who.role, path)
        page = client.get(f"/care/customers/{cared.pk}/alerts").content.decode()
        assert f'data-may-answer="{str(offered).lower()}"' in page
        client.logout()


def test_deleting_a_rule_that_fired_switches_it_off_and_keeps_its_alerts(
    client, dietitian, cared, write, no_defaults
):
    fired = rule(name="mine", kind="above", test="systolic", threshold=150, customer=cared)
    quiet = rule(name="quiet", kind="above", test="weight", threshold=200, customer=cared)
    write(cared, "systolic", 190, "mm[Hg]")
    (alert,) = Alert.objects.filter(rule=fired)
    post(client, dietitian, f"/api/alerts/{alert.pk}/acknowledge", {"note": "Calling"})
    assert client.delete(f"/api/alert-rules/{fired.pk}", **bearer(dietitian)).status_code == 204
    assert client.delete(f"/api/alert-rules/{quiet.pk}", **bearer(dietitian)).status_code == 204
    fired.refresh_from_db()
    assert fired.active is False
    assert Alert.objects.get(pk=alert.pk).note == "Calling"
    assert not AlertRule.objects.filter(pk=quiet.pk).exists()
    listed = api_json(get(client, dietitian, f"/api/alerts?customer_id={cared.pk}&status=all"))
    assert [a["id"] for a in listed] == [alert.pk]


def test_deleting_a_default_keeps_the_alerts_of_its_overrides(
    client, admin_user, dietitian, cared, write, no_defaults
):
    default = rule(name="BP", kind="above", test="systolic", threshold=150)
    override = rule(
        name="BP", kind="above", test="systolic", threshold=160, customer=cared, overrides=default
    )
    write(cared, "systolic", 190, "mm[Hg]")
    (alert,) = Alert.objects.filter(customer=cared)
    assert alert.rule_id == override.pk
    assert client.delete(f"/api/alert-rules/{default.pk}", **bearer(admin_user)).status_code == 204
    assert list(
        AlertRule.objects.filter(pk__in=[default.pk, override.pk]).values_list("active", flat=True)
    ) == [False, False]
    assert Alert.objects.filter(pk=alert.pk).exists()
