"""Results over HTTP: recording (a duplicate is a 409, a future time a 400), corrections
that keep the old version and their history, keyset pages, chart series, the audience of
each test and who sees what (the customer, their care team with consent, nobody else),
one audit entry per read by someone else, and a bounded number of queries however many
results there are."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AccessAuditEntry
from accounts.roles import Role
from accounts.signals import rights_narrowed
from advice.models import CareTeamMember
from profiles import results as results_module
from profiles.models import Consent, MedicalTest, ProfileValue, Result
from profiles.results_read import downsample
from tests.helpers import api_json, bearer
from tests.profiles.results_helpers import (
    T0,
    add,
    added,
    at,
    get,
    into_care,
    post,
    set_profile,
)

pytestmark = pytest.mark.django_db


def test_a_customer_records_a_result_a_duplicate_is_a_conflict_and_the_future_refused(
    client, customer
):
    made = added(client, customer, customer, "weight", 72.4, "kg", at(), note="after breakfast")
    assert {k: made[k] for k in ("test", "value", "unit", "source", "note", "amended")} == {
        "test": "weight",
        "value": 72.4,
        "unit": "kg",
        "source": "self",
        "note": "after breakfast",
        "amended": False,
    }
    assert made["entered_by"]["id"] == customer.pk and made["replaces"] is None
    again = add(client, customer, customer, "weight", 73, "kg", at())
    assert again.status_code == 409
    assert (api_json(again)["code"], api_json(again)["field"]) == ("duplicate", "taken_at")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    future = add(client, customer, customer, "weight", 73, "kg", later)
    assert (future.status_code, api_json(future)["field"]) == (400, "taken_at")
    # A few minutes ahead is a phone's clock, not the future.
    skewed = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)).isoformat()
    assert add(client, customer, customer, "weight", 73, "kg", skewed).status_code == 201
    # Without an offset the time is ambiguous: refused by the schema, naming it.
    naive = add(client, customer, customer, "weight", 73, "kg", "2024-01-01T08:00:00")
    assert naive.status_code == 422 and "taken_at" in api_json(naive)["message"]


def test_a_correction_keeps_the_old_version_and_the_history_shows_both(client, customer):
    first = added(client, customer, customer, "waist", 90, "cm", at())
    no_reason = post(
        client,
        customer,
        f"/api/results/{first['id']}/amend",
        {"value": 85, "unit": "cm", "reason": "  "},
    )
    assert (no_reason.status_code, api_json(no_reason)["field"]) == (400, "reason")
    response = post(
        client,
        customer,
        f"/api/results/{first['id']}/amend",
        {"value": 34, "unit": "in", "reason": "tape slipped"},
    )
    assert response.status_code == 201, response.content
    second = api_json(response)
    assert (second["value"], second["replaces"], second["amended"]) == (86.36, first["id"], True)
    assert second["taken_at"] == first["taken_at"] and second["reason"] == "tape slipped"
    old = Result.objects.get(pk=first["id"])
    assert old.value == 90 and old.superseded_at is not None
    again = post(
        client,
        customer,
        f"/api/results/{first['id']}/amend",
        {"value": 80, "unit": "cm", "reason": "again"},
    )
    assert (again.status_code, api_json(again)["code"]) == (409, "superseded")
    for result_id in (first["id"], second["id"]):
        chain = api_json(get(client, customer, f"/api/results/{result_id}/history"))
        assert [(r["id"], r["value"]) for r in chain] == [(first["id"], 90), (second["id"], 86.36)]
    listed = api_json(get(client, customer, f"/api/customers/{customer.pk}/results"))["items"]
    assert [r["id"] for r in listed] == [second["id"]]


def test_results_come_newest_first_in_keyset_pages_and_as_a_series_oldest_first(client, customer):
    for day in range(5):
        added(client, customer, customer, "weight", 70 + day, "kg", at(day))
    added(client, customer, customer, "systolic", 118, "mm[Hg]", at(2))
    base = f"/api/customers/{customer.pk}/results?test=weight&limit=2"
    seen, cursor = [], None
    for _ in range(4):
        page = api_json(get(client, customer, base + (f"&cursor={cursor}" if cursor else "")))
        seen += [r["value"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [74, 73, 72, 71, 70]
    everything = api_json(get(client, customer, f"/api/customers/{customer.pk}/results"))
    assert [r["test"] for r in everything["items"][:4]] == ["weight"] * 2 + ["systolic", "weight"]
    bad = get(client, customer, f"/api/customers/{customer.pk}/results?cursor=nonsense")
    assert (bad.status_code, api_json(bad)["field"]) == (400, "cursor")
    since = f"&since={at(1)}&until={at(3)}".replace("+", "%2B")
    series = api_json(
        get(client, customer, f"/api/customers/{customer.pk}/results/series?test=weight{since}")
    )
    assert [p["v"] for p in series["points"]] == [71, 72]
    assert series["unit"] == "kg" and series["downsampled"] is False
    # Ten years of daily values: at most 2,000 points, the extremes of each bucket kept.
    days = [(T0.timestamp() + i * 86400, 70 + (i % 50) / 10, "") for i in range(3650)]
    days[1234] = (days[1234][0], 150.0, "")
    kept = downsample(days, 2000)
    assert len(kept) <= 2000 and (days[1234] in kept) and kept == sorted(kept)
    assert downsample(days[:2000], 2000) == days[:2000]


def test_who_sees_what_each_read_by_another_is_audited_once_and_narrowing_is_told(
    client, make_user, monkeypatch
):
    customer = make_user(Role.CUSTOMER, display_name="Cam")
    dietitian = make_user(Role.DIETITIAN, display_name="Dee")
    into_care(customer, dietitian)
    told = []
    monkeypatch.setattr(results_module, "tell_result", lambda *args: told.append(args))
    weight = added(client, customer, customer, "weight", 70, "kg", at())
    added(client, customer, customer, "waist", 80, "cm", at())
    assert [t[1] for t in told] == ["weight", "waist"]
    narrowed = []
    rights_narrowed.connect(receiver := lambda **kw: narrowed.append(kw["user_ids"]))
    try:
        response = client.put(
            f"/api/customers/{customer.pk}/tests/waist/audience",
            {"audience": "only_me"},
            content_type="application/json",
            **bearer(customer),
        )
    finally:
        rights_narrowed.disconnect(receiver)
    assert response.status_code == 200 and narrowed == [[dietitian.pk]]
    refused = client.put(
        f"/api/customers/{customer.pk}/tests/weight/audience",
        {"audience": "community"},
        content_type="application/json",
        **bearer(customer),
    )
    assert (refused.status_code, api_json(refused)["field"]) == (400, "audience")
    # The care team sees what is shared with it, and each read is one audit entry.
    audit = AccessAuditEntry.objects.filter(subject=customer)
    before = audit.count()
    tests = api_json(get(client, dietitian, f"/api/customers/{customer.pk}/tests"))["tests"]
    codes = [t["code"] for t in tests]
    assert "weight" in codes and "waist" not in codes
    items = api_json(get(client, dietitian, f"/api/customers/{customer.pk}/results"))["items"]
    assert [r["test"] for r in items] == ["weight"]
    hidden = get(client, dietitian, f"/api/customers/{customer.pk}/results/series?test=waist")
    assert hidden.status_code == 404
    assert audit.count() == before + 2  # the refused series read nothing
    assert set(audit.values_list("actor_id", "action", "resource")) == {
        (dietitian.pk, "read", "results")
    }
    # The customer's own reads are not in the log.
    get(client, customer, f"/api/customers/{customer.pk}/results")
    assert audit.count() == before + 2
    # A professional enters results for the shared tests only, recorded as the care team's.
    mine = added(client, dietitian, customer, "weight", 69, "kg", at(1))
    assert mine["source"] == "care_team" and mine["entered_by"]["name"] == "Dee"
    assert add(client, dietitian, customer, "waist", 79, "cm", at(1)).status_code == 403
    # They correct their own entries, not the customer's.
    assert (
        post(
            client,
            dietitian,
            f"/api/results/{mine['id']}/amend",
            {"value": 68.5, "unit": "kg", "reason": "typo"},
        ).status_code
        == 201
    )
    assert (
        post(
            client,
            dietitian,
            f"/api/results/{weight['id']}/amend",
            {"value": 71, "unit": "kg", "reason": "no"},
        ).status_code
        == 403
    )
    # Nobody else sees anything: other customers, moderators, admins, a professional
    # outside the care team, or one whose customer withdrew consent.
    others = [
        make_user(Role.CUSTOMER),
        make_user(Role.MODERATOR),
        make_user(Role.ADMIN),
        make_user(Role.DIETITIAN),
    ]
    paths = [
        f"/api/customers/{customer.pk}/tests",
        f"/api/customers/{customer.pk}/results",
        f"/api/customers/{customer.pk}/results/series?test=weight",
        f"/api/results/{weight['id']}/history",
        f"/api/customers/{customer.pk}/results.fhir",
    ]
    for other in others:
        for path in paths:
            assert get(client, other, path).status_code == 404, (other.role, path)
        assert add(client, other, customer, "weight", 70, "kg", at(9)).status_code == 404
    Consent.objects.filter(customer=customer).update(withdrawn_at=T0)
    for path in paths:
        assert get(client, dietitian, path).status_code == 404, path
    Consent.objects.create(customer=customer, purpose="care", version="1")
    CareTeamMember.objects.filter(customer=customer).delete()
    assert (
        post(
            client,
            dietitian,
            f"/api/results/{mine['id']}/amend",
            {"value": 68, "unit": "kg", "reason": "late"},
        ).status_code
        == 404
    )


def test_reads_take_a_bounded_number_of_queries_however_many_results(client, make_user):
    customer = make_user(Role.CUSTOMER)
    dietitian = make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    # A sex kept from the care team: their interpretations are made again as they read.
    set_profile(customer, sex="female", birth_date="1970-01-01")
    ProfileValue.objects.filter(customer=customer, attribute__key="sex").update(audience="only_me")

    ids = dict(MedicalTest.objects.values_list("code", "pk"))
    tests = (
        (ids["weight"], 70, "kg"),
        (ids["waist"], 80, "cm"),
        (ids["glucose_fasting"], 5.2, "mmol/L"),
    )

    def seed(days: int, offset: int) -> None:
        rows = [
            Result(
                customer=customer,
                test_id=test_id,
                value=v,
                entered_value=str(v),
                entered_unit=unit,
                taken_at=T0 + dt.timedelta(days=offset + d),
                source="self",
                entered_by=customer if d % 2 else dietitian,
            )
            for d in range(days)
            for test_id, v, unit in tests
        ]
        Result.objects.bulk_create(rows)

    paths = [
        f"/api/customers/{customer.pk}/tests",
        f"/api/customers/{customer.pk}/results?limit=200",
        f"/api/customers/{customer.pk}/results/series?test=weight",
    ]
    counts = {}
    for days, offset in ((3, 0), (300, 10)):
        seed(days, offset)
        for viewer in (customer, dietitian):
            headers = bearer(viewer)
            for path in paths:
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(path, **headers).status_code == 200
                counts.setdefault((viewer.pk, path), []).append(len(queries))
    for (viewer_id, path), (few, many) in counts.items():
        assert few == many <= 12, (viewer_id, path, few, many)


def test_bad_input_from_the_customer_themself_is_a_4xx_naming_what_is_wrong(client, customer):
    """The API-wide walk (tests/server/test_bad_input.py) is refused at the record's door;
    the customer gets past it."""
    made = added(client, customer, customer, "weight", 70, "kg", at())
    paths = [
        f"/api/customers/{customer.pk}/results",
        f"/api/results/{made['id']}/amend",
        f"/api/customers/{customer.pk}/results/import/csv",
        f"/api/customers/{customer.pk}/results/import/fhir?commit=true",
    ]
    bodies = ["", "not json", "[]", "null", "42", '{"unexpected": true}', "[" * 5000 + "]" * 5000,
              json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
                  {"resource": {"resourceType": "Observation", "status": "final",
                                "code": {"coding": [{"system": "http://loinc.org",
                                                     "code": "29463-7"}]},
                                "effectiveDateTime": "2024-01-01",
                                "valueQuantity": {"value": 70, "code": "kg"},
                                "note": [{"text": "a\x00b"}]}}, "x", {"resource": []}]}),
              json.dumps({"csv": "test,value,unit,taken_at\nweight,1e999,kg,2024-01-01\n"
                                 "weight,70,kg,9999-12-31T23:00:00-05:00\n", "commit": True}),
              json.dumps({"test": "weight", "value": 70, "unit": "kg", "reason": "x",
                          "taken_at": "2024-01-01T00:00:00+15:00"})]  # fmt: skip
    for path in paths:
        for body in bodies:
            response = client.post(path, body, content_type="application/json", **bearer(customer))
            assert response.status_code < 500, (path, body[:40], response.content[:200])
            answer = api_json(response)
            if response.status_code >= 400:
                assert answer["message"]
            elif "rows" in answer:  # an import: the bad row is named, nothing stored
                assert [r["error"]["field"] for r in answer["rows"]] == ["value", "taken_at"]
                assert answer["stored"] == 0


def test_the_results_pages_open_for_the_customer_and_their_care_team_only(client, make_user):
    customer = make_user(Role.CUSTOMER, display_name="Cleo")
    dietitian, stranger = make_user(Role.DIETITIAN), make_user(Role.DIETITIAN)
    into_care(customer, dietitian)
    client.force_login(customer)
    page = client.get("/results")
    assert page.status_code == 200 and b"My results" in page.content
    assert client.get(f"/care/customers/{customer.pk}/results")["Location"] == "/results"
    client.force_login(dietitian)
    page = client.get(f"/care/customers/{customer.pk}/results")
    assert page.status_code == 200 and b"Results of Cleo" in page.content
    client.force_login(stranger)
    assert client.get(f"/care/customers/{customer.pk}/results").status_code == 404
    assert client.get("/care/customers/999999/results").status_code == 404


def test_every_health_answer_says_private_no_store_errors_included(client, make_user):
    customer = make_user(Role.CUSTOMER)
    dietitian, stranger = make_user(Role.DIETITIAN), make_user(Role.CUSTOMER)
    into_care(customer, dietitian)
    made = added(client, customer, customer, "weight", 70, "kg", at())
    base = f"/api/customers/{customer.pk}"
    csv = {"csv": "test,value,unit,taken_at\nweight,71,kg,2024-04-01\n"}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": []}
    reads = [
        f"{base}/profile",
        f"{base}/tests",
        f"{base}/results",
        f"{base}/results/series?test=weight",
        f"{base}/results.fhir",
        f"/api/results/{made['id']}/history",
    ]
    writes = [
        (f"{base}/results/import/csv", csv),
        (f"{base}/results/import/fhir", bundle),
        (f"{base}/results", {"test": "weight", "value": 71, "unit": "kg", "taken_at": at(1)}),
    ]
    answers = []
    for viewer in (customer, dietitian, stranger):
        answers += [(viewer.role, path, get(client, viewer, path)) for path in reads]
        answers += [(viewer.role, path, post(client, viewer, path, body)) for path, body in writes]
    answers += [
        ("customer", path, get(client, customer, path))
        for path in (f"{base}/profile/history", "/api/me/exports", "/api/me/exports/1/download")
    ]
    statuses = {answer.status_code for _, _, answer in answers}
    assert {200, 201, 404} <= statuses
    for role, path, answer in answers:
        assert answer["Cache-Control"] == "private, no-store", (role, path, answer.status_code)


def test_imports_are_limited_per_member_an_hour(client, customer, settings):
    settings.RESULT_IMPORTS_PER_HOUR = 2
    path = f"/api/customers/{customer.pk}/results/import/csv"
    csv = {"csv": "test,value,unit,taken_at\nweight,71,kg,2024-04-01\n"}
    assert post(client, customer, path, csv).status_code == 200
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": []}
    fhir_path = f"/api/customers/{customer.pk}/results/import/fhir"
    assert post(client, customer, fhir_path, bundle).status_code == 200
    for refused in (post(client, customer, path, csv), post(client, customer, fhir_path, bundle)):
        assert (refused.status_code, api_json(refused)["code"]) == (429, "rate_limited")
        assert int(refused["Retry-After"]) > 0


def test_a_bmi_stored_beside_the_derivation_is_a_conflict_and_nothing_is_kept(
    client, customer, monkeypatch
):
    added(client, customer, customer, "height", 170, "cm", at(-1))
    bmi = MedicalTest.objects.get(code="bmi")
    made = results_module.entered_text

    def another_request_first(value: float | str) -> str:
        # As if another request committed a BMI at that moment after this one looked.
        monkeypatch.setattr(results_module, "entered_text", made)
        Result.objects.create(
            customer=customer,
            test=bmi,
            value=1,
            entered_value="1",
            entered_unit="kg/m2",
            taken_at=T0,
            source="derived",
        )
        return made(value)

    # The weight's own entered_text goes first; the BMI's meets the row made meanwhile.
    calls = iter([made, another_request_first])
    monkeypatch.setattr(results_module, "entered_text", lambda value: next(calls)(value))
    refused = add(client, customer, customer, "weight", 70, "kg", at())
    assert (refused.status_code, api_json(refused)["code"]) == (409, "duplicate")
    assert not Result.objects.filter(customer=customer, test__code="weight").exists()


def test_a_change_of_a_tests_audience_is_told_without_naming_it(client, customer, monkeypatch):
    told: list[int] = []
    monkeypatch.setattr(results_module, "tell_audience", told.append)
    path = f"/api/customers/{customer.pk}/tests/height/audience"
    for audience in ("only_me", "only_me", "care_team"):
        response = client.put(
            path, {"audience": audience}, content_type="application/json", **bearer(customer)
        )
        assert response.status_code == 200
    assert told == [customer.pk, customer.pk]  # the same audience again changes nothing
