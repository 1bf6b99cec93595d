"""Alerts: each rule kind fires past its threshold and not at the edge, once per rule and
customer however often (or however concurrently) it fires, never for a customer without
consent to care, about a test kept from the care team or from a private check-in; the
schedule runs the rules time alone makes true; professionals acknowledge and resolve;
the daily summary goes once and tells no value; the download and erasure cover them."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.erasure import erase
from accounts.models import AccessAuditEntry
from accounts.roles import Role
from advice import alert_raise, alert_summary, alerts
from advice.alert_data import export_alerts
from advice.models import Alert, AlertRule, AlertSummary, CareTeamMember
from notifications.models import NotificationPreference
from profiles.models import Consent, MedicalTest, TestAudience
from tests.advice.alert_helpers import (
    check_in_mood,
    get,
    into_care,
    post,
    rule,
)
from tests.helpers import api_json
from tests.profiles.results_helpers import set_profile

pytestmark = pytest.mark.django_db


def open_alerts(customer) -> list[Alert]:
    return list(Alert.objects.filter(customer=customer).exclude(status="resolved"))


# --- each kind, at its edges ------------------------------------------------------------


def test_above_fires_from_the_threshold_and_below_under_it(cared, write, no_defaults):
    high = rule(kind="above", test="systolic", threshold=150, severity="critical")
    low = rule(kind="below", test="glucose_fasting", threshold=3.0)
    write(cared, "systolic", 149, "mm[Hg]", days=1)
    write(cared, "glucose_fasting", 3.0, "mmol/L", days=1)
    assert open_alerts(cared) == []
    write(cared, "systolic", 150, "mm[Hg]")
    write(cared, "glucose_fasting", 2.9, "mmol/L")
    raised = {a.rule_id: a for a in open_alerts(cared)}
    assert set(raised) == {high.pk, low.pk}
    assert raised[high.pk].value == 150 and raised[low.pk].value == 2.9


def test_above_reads_the_latest_value_not_a_backdated_one(cared, write, no_defaults):
    rule(kind="above", test="systolic", threshold=150)
    write(cared, "systolic", 120, "mm[Hg]", days=1)
    write(cared, "systolic", 170, "mm[Hg]", days=30)  # an old reading entered late
    assert open_alerts(cared) == []


def test_a_mean_needs_two_values_in_its_window(cared, write, no_defaults):
    rule(kind="mean_above", test="systolic", threshold=140, days=14)
    write(cared, "systolic", 200, "mm[Hg]", days=20)  # outside the window
    write(cared, "systolic", 150, "mm[Hg]", days=3)
    assert open_alerts(cared) == []  # one value in 14 days is no mean
    write(cared, "systolic", 129, "mm[Hg]", days=2)  # mean 139.5: under
    assert open_alerts(cared) == []
    write(cared, "systolic", 141, "mm[Hg]", days=1)  # mean 140: at the threshold
    (alert,) = open_alerts(cared)
    assert alert.value == 140 and alert.detail["count"] == 3


def test_a_drop_of_more_than_two_percent_in_a_week(cared, write, no_defaults):
    rule(kind="drop", test="weight", threshold=2, days=7)
    write(cared, "weight", 100, "kg", days=7)
    write(cared, "weight", 98, "kg", days=0.5)  # exactly 2%: not more
    assert open_alerts(cared) == []
    write(cared, "weight", 97.9, "kg")
    (alert,) = open_alerts(cared)
    assert alert.value == pytest.approx(2.1)


def test_a_change_needs_an_earlier_value_near_the_days_ago(cared, write, no_defaults):
    drop = rule(kind="drop", test="weight", threshold=2, days=7)
    rise = rule(kind="rise", test="weight", threshold=5, days=7)
    write(cared, "weight", 100, "kg", days=20)  # too long ago to say "in a week"
    write(cared, "weight", 80, "kg")
    assert open_alerts(cared) == []
    write(cared, "weight", 90, "kg", days=7.5)  # within a day of a week before 80: -11%
    assert [a.rule_id for a in open_alerts(cared)] == [drop.pk]
    write(cared, "weight", 95, "kg", days=-0.002)  # +5.6% on 90
    assert {a.rule_id for a in open_alerts(cared)} == {drop.pk, rise.pk}


def test_missing_data_runs_on_the_schedule_from_the_last_result_or_consent(
    make_user, dietitian, write, no_defaults
):
    missing = rule(kind="missing", test="weight", days=14)
    quiet, recent, new, joined_long_ago = (make_user() for _ in range(4))
    into_care(quiet, dietitian)
    into_care(recent, dietitian)
    into_care(new, dietitian, since_days=10)
    into_care(joined_long_ago, dietitian, since_days=20)
    write(quiet, "weight", 80, "kg", days=15)
    write(recent, "weight", 80, "kg", days=13)
    assert alerts.sweep(batch=2) == 2
    raised = Alert.objects.filter(rule=missing)
    assert sorted(a.customer_id for a in raised) == sorted([quiet.pk, joined_long_ago.pk])
    assert Alert.objects.get(rule=missing, customer=quiet).value == 15
    # The next run sees them again: still one alert each.
    alerts.sweep()
    assert Alert.objects.filter(rule=missing).count() == 2
    assert Alert.objects.get(rule=missing, customer=quiet).count == 2


def test_a_mean_whose_window_slides_fires_on_the_schedule(cared, write, no_defaults):
    rule(kind="mean_above", test="systolic", threshold=140, days=14)
    write(cared, "systolic", 100, "mm[Hg]", days=13)
    write(cared, "systolic", 150, "mm[Hg]", days=2)
    write(cared, "systolic", 150, "mm[Hg]", days=1)  # mean 133.3: under
    assert alerts.sweep() == 0 and open_alerts(cared) == []
    # Two days on, the 100 has left the window: the mean of what is left is 150.
    assert alerts.sweep(now=timezone.now() + dt.timedelta(days=2)) == 1
    assert open_alerts(cared)[0].value == 150


def test_mood_rules_read_only_mood_check_ins_shared_with_the_care_team(cared, no_defaults):
    low = rule(kind="below", threshold=2)
    check_in_mood(cared, 1, audience="only_me")
    check_in_mood(cared, 2)
    assert open_alerts(cared) == []
    check_in_mood(cared, 1, audience="private")
    assert open_alerts(cared) == []
    check_in_mood(cared, 1)
    (alert,) = open_alerts(cared)
    assert alert.rule == low and alert.value == 1


def test_a_mean_of_moods_over_a_week(cared, no_defaults):
    rule(kind="mean_below", threshold=2.5, days=7)
    check_in_mood(cared, 3, days=2)
    check_in_mood(cared, 2, days=1)  # mean 2.5: not under
    assert open_alerts(cared) == []
    check_in_mood(cared, 2)
    assert open_alerts(cared)[0].value == pytest.approx(2.3333, abs=1e-3)


# --- once ------------------------------------------------------------------------------


def test_firing_again_while_open_updates_the_one_alert(cared, write, no_defaults):
    rule(kind="above", test="systolic", threshold=150)
    write(cared, "systolic", 160, "mm[Hg]", days=2)
    first = open_alerts(cared)[0]
    write(cared, "systolic", 175, "mm[Hg]", days=1)
    (alert,) = open_alerts(cared)
    assert alert.pk == first.pk and alert.count == 2 and alert.value == 175
    assert alert.last_seen_at > first.last_seen_at and alert.raised_at == first.raised_at


def test_a_resolved_alert_is_not_raised_again_on_the_same_data(
    cared, dietitian, write, client, no_defaults
):
    rule(kind="mean_above", test="systolic", threshold=140, days=14)
    write(cared, "systolic", 150, "mm[Hg]", days=2)
    write(cared, "systolic", 150, "mm[Hg]", days=1)
    (alert,) = open_alerts(cared)
    assert (
        post(client, dietitian, f"/api/alerts/{alert.pk}/resolve", {"note": "Called"}).status_code
        == 200
    )
    alerts.sweep()
    assert open_alerts(cared) == []
    write(cared, "systolic", 150, "mm[Hg]")
    (again,) = open_alerts(cared)
    assert again.pk != alert.pk and again.count == 1


@pytest.mark.postgres  # two connections inserting at once
@pytest.mark.django_db(transaction=True)
def test_two_evaluations_at_once_raise_one_alert(make_user):
    dietitian = make_user(Role.DIETITIAN)
    customer = make_user()
    into_care(customer, dietitian)
    watched = rule(kind="above", test="systolic", threshold=150)
    firing = alert_raise.Firing(160.0, {"results": []}, None)
    start = threading.Barrier(2)
    raised: list[Any] = []

    def evaluate() -> None:
        start.wait()
        try:
            raised.append(alert_raise.raise_alert(watched, customer.pk, firing))
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len({a.pk for a in raised}) == 1
    (alert,) = Alert.objects.filter(rule=watched, customer=customer)
    assert alert.count == 2


# --- what is never watched ----------------------------------------------------------


def test_nothing_is_raised_without_consent_to_care(cared, write, no_defaults):
    rule(kind="above", test="systolic", threshold=150)
    Consent.objects.filter(customer=cared).update(withdrawn_at=timezone.now())
    write(cared, "systolic", 190, "mm[Hg]")
    check_in_mood(cared, 1)
    assert alerts.sweep() == 0
    assert Alert.objects.count() == 0


def test_nothing_is_raised_about_a_test_kept_from_the_care_team(cared, write, no_defaults):
    rule(kind="above", test="systolic", threshold=150)
    rule(kind="above", test="bmi", threshold=30)
    for code in ("systolic", "height"):
        TestAudience.objects.create(customer=cared, test_id=_test(code), audience="only_me")
    write(cared, "height", 160, "cm", days=1)
    write(cared, "weight", 100, "kg")  # BMI 39, but it would tell the hidden height
    write(cared, "systolic", 190, "mm[Hg]")
    assert Alert.objects.count() == 0


def test_shipped_defaults_fire_by_age_band_and_only_on_what_the_care_team_sees(
    make_user, dietitian, write
):
    older, younger = make_user(), make_user()
    for customer, born in ((older, "1950-01-01"), (younger, "1990-01-01")):
        into_care(customer, dietitian)
        set_profile(customer, birth_date=born)
        write(customer, "weight", 80, "kg", days=30)
        write(customer, "weight", 75, "kg")  # -6.25% in a month
    names = lambda c: sorted(a.rule.name for a in open_alerts(c))  # noqa: E731
    assert names(older) == ["Weight down more than 5% in a month (65 and over)"]
    assert names(younger) == []


def test_an_override_replaces_the_default_for_one_customer(
    make_user, dietitian, cared, write, client, no_defaults
):
    default = rule(kind="above", test="systolic", threshold=150)
    other = make_user()
    into_care(other, dietitian)
    made = post(
        client,
        dietitian,
        "/api/alert-rules",
        {"customer_id": cared.pk, "overrides_id": default.pk, "threshold": 170},
    )
    assert made.status_code == 201, made.content
    write(cared, "systolic", 160, "mm[Hg]")
    write(other, "systolic", 160, "mm[Hg]")
    assert open_alerts(cared) == [] and [a.rule_id for a in open_alerts(other)] == [default.pk]
    write(cared, "systolic", 171, "mm[Hg]", days=-0.002)
    assert [a.rule_id for a in open_alerts(cared)] == [api_json(made)["id"]]


# --- the care team's side ---------------------------------------------------------------


def test_the_care_team_is_told_live_without_a_value(
    cared, dietitian, write, monkeypatch, no_defaults
):
    told: list[Any] = []
    monkeypatch.setattr("advice.topics.publish_many", told.extend)
    rule(kind="above", test="systolic", threshold=150)
    write(cared, "systolic", 190, "mm[Hg]")
    alert = open_alerts(cared)[0]
    assert (
        f"user:{dietitian.pk}",
        "care.activity",
        {"customer": cared.pk, "what": "alert", "id": alert.pk},
    ) in told


def test_professionals_acknowledge_and_resolve_with_a_note(
    cared, dietitian, make_user, write, client, no_defaults
):
    rule(kind="above", test="systolic", threshold=150, severity="critical")
    write(cared, "systolic", 190, "mm[Hg]")
    alert = open_alerts(cared)[0]
    listed = api_json(get(client, dietitian, "/api/alerts"))
    assert [(a["id"], a["severity"], a["value"], a["unit"]) for a in listed] == [
        (alert.pk, "critical", 190, "mm[Hg]")
    ]
    assert AccessAuditEntry.objects.filter(
        actor=dietitian, subject=cared, action="list", resource="alerts"
    ).exists()
    stranger = make_user(Role.DIETITIAN)
    for who in (stranger, cared):
        assert post(client, who, f"/api/alerts/{alert.pk}/acknowledge").status_code == 404
    assert api_json(get(client, stranger, "/api/alerts")) == []
    acked = post(client, dietitian, f"/api/alerts/{alert.pk}/acknowledge", {"note": "Calling"})
    assert acked.status_code == 200 and api_json(acked)["status"] == "acknowledged"
    assert post(client, dietitian, f"/api/alerts/{alert.pk}/acknowledge").status_code == 409
    no_note = post(client, dietitian, f"/api/alerts/{alert.pk}/resolve", {"note": " "})
    assert no_note.status_code == 400 and api_json(no_note)["field"] == "note"
    done = api_json(post(client, dietitian, f"/api/alerts/{alert.pk}/resolve", {"note": "Seen GP"}))
    assert done["status"] == "resolved" and done["note"] == "Calling\nSeen GP"
    assert done["resolved_by"]["id"] == dietitian.pk
    assert api_json(get(client, dietitian, "/api/alerts")) == []
    assert [a["id"] for a in api_json(get(client, dietitian, "/api/alerts?status=resolved"))] == [
        alert.pk
    ]
    # The customer reads the alerts about them.
    mine = api_json(get(client, cared, "/api/alerts?status=all"))
    assert [a["id"] for a in mine] == [alert.pk]


def test_alerts_are_hidden_when_consent_goes_or_the_test_is_hidden(
    cared, dietitian, write, client, no_defaults
):
    rule(kind="above", test="systolic", threshold=150)
    write(cared, "systolic", 190, "mm[Hg]")
    alert = open_alerts(cared)[0]
    TestAudience.objects.create(customer=cared, test_id=_test("systolic"), audience="only_me")
    assert api_json(get(client, dietitian, "/api/alerts")) == []
    assert post(client, dietitian, f"/api/alerts/{alert.pk}/acknowledge").status_code == 404
    TestAudience.objects.filter(customer=cared).delete()
    assert len(api_json(get(client, dietitian, "/api/alerts"))) == 1
    Consent.objects.filter(customer=cared).update(withdrawn_at=timezone.now())
    assert get(client, dietitian, f"/api/alerts?customer_id={cared.pk}").status_code == 404
    assert api_json(get(client, dietitian, "/api/alerts")) == []
    assert Alert.objects.get(pk=alert.pk).status == "open"  # hidden, not resolved


# --- the daily summary --------------------------------------------------------------


def test_the_daily_summary_goes_once_in_the_morning_without_values(
    cared, dietitian, write, no_defaults, django_capture_on_commit_callbacks
):
    dietitian.time_zone = "America/Toronto"
    dietitian.email_verified_at = timezone.now()
    dietitian.save()
    rule(kind="above", test="systolic", threshold=150, severity="critical")
    rule(kind="above", test="glucose_fasting", threshold=7)
    write(cared, "systolic", 187, "mm[Hg]")
    write(cared, "glucose_fasting", 9.4, "mmol/L")
    evening = dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC)  # 18:30 in Toronto
    morning = dt.datetime(2026, 12, 4, 12, 30, tzinfo=dt.UTC)  # 07:30 in Toronto
    with django_capture_on_commit_callbacks(execute=True):  # mail is queued on commit
        assert alert_summary.send_summaries(evening) == 0
        assert alert_summary.send_summaries(morning) == 1
        assert alert_summary.send_summaries(morning + dt.timedelta(hours=1)) == 0
    (sent,) = [m for m in mail.outbox if m.to == [dietitian.email]]
    assert "- 1 critical\n- 1 warning" in sent.body
    assert "2 open alerts for one of your customers" in sent.subject
    assert "/care/alerts" in sent.body
    for word in ("187", "9.4", "systolic", "Casey", "glucose", f"#{cared.pk}", "customer #"):
        assert word not in sent.body and word not in sent.subject
    assert AlertSummary.objects.filter(professional=dietitian).count() == 1


def test_the_summary_follows_the_preference(cared, dietitian, write, no_defaults):
    dietitian.email_verified_at = timezone.now()
    dietitian.save()
    NotificationPreference.objects.create(
        user=dietitian, kind="alerts.summary", in_app=False, email=False
    )
    rule(kind="above", test="systolic", threshold=150)
    write(cared, "systolic", 187, "mm[Hg]")
    assert alert_summary.send_summaries(dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)) == 0
    assert mail.outbox == []


# --- personal data --------------------------------------------------------------------


def test_download_and_erasure(cared, dietitian, write, client, no_defaults):
    default = rule(kind="above", test="systolic", threshold=150)
    AlertRule.objects.create(
        name="mine", kind="above", test=default.test, threshold=160, customer=cared,
        overrides=default, created_by=dietitian,
    )  # fmt: skip
    write(cared, "systolic", 190, "mm[Hg]")
    alert = open_alerts(cared)[0]
    post(client, dietitian, f"/api/alerts/{alert.pk}/acknowledge", {"note": "On it"})
    parts = {p.name: p for p in export_alerts(cared)}
    (row,) = parts["alerts"].rows
    assert (row["rule"], row["status"], row["note"]) == ("mine", "acknowledged", "On it")
    assert [r["threshold"] for r in parts["alert-rules"].rows] == [160]
    erase(dietitian)
    assert Alert.objects.get(pk=alert.pk).acknowledged_by is None
    assert AlertRule.objects.get(customer=cared).created_by is None
    erase(cared)
    assert not Alert.objects.filter(pk=alert.pk).exists()
    assert not AlertRule.objects.filter(customer=cared).exists()
    assert AlertRule.objects.filter(pk=default.pk).exists()
    assert not CareTeamMember.objects.filter(customer=cared).exists()


def _test(code: str) -> int:
    return MedicalTest.objects.get(code=code).pk
