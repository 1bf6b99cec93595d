"""The care team's dashboard: only customers in care with consent, only what they share,
the counts a professional acts on, sorted, filtered and paged, in a bounded number of
queries, each customer shown in their access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from accounts.models import AccessAuditEntry
from accounts.roles import Role
from advice.models import CareTeamMember
from community.messaging.services import mark_read
from profiles.models import MedicalTest
from tests.advice.dashboard_helpers import (
    alert,
    board,
    check_in,
    goal,
    into_care,
    keep_to_self,
    message,
    result,
    rows_by_name,
    value_of,
)
from tests.helpers import api_json, bearer


def as_json(moment: dt.datetime) -> str:
    """A time as the API writes it."""
    return str(DjangoJSONEncoder().default(moment))


@pytest.fixture
def dietitian(make_user):
    return make_user(Role.DIETITIAN, display_name="Dana Dietitian")


def test_only_customers_in_care_with_consent_to_care(client, make_user, dietitian):
    ann = make_user(display_name="Ann")
    bob = make_user(display_name="Bob")  # in care, no consent
    cat = make_user(display_name="Cat")  # consent, in another's care
    other = make_user(Role.DIETITIAN)
    into_care(ann, dietitian)
    into_care(bob, dietitian, consent=False)
    into_care(cat, other)
    data = board(client, dietitian)
    assert list(rows_by_name(data)) == ["Ann"] and data["count"] == 1
    # A medical provider of the care team sees the same row; a customer has no dashboard.
    provider = make_user(Role.MEDICAL_PROVIDER)
    into_care(bob, provider, consent=False)
    CareTeamMember.objects.create(customer=ann, professional=provider)
    assert list(rows_by_name(board(client, provider))) == ["Ann"]
    refused = client.get("/api/care/dashboard", **bearer(ann))
    assert refused.status_code == 403
    # One row asked by id: 404 for a customer not in care (no consent), as for nobody.
    for customer_id in (bob.pk, cat.pk, 987654321):
        answer = client.get(f"/api/care/dashboard?customer_id={customer_id}", **bearer(dietitian))
        assert answer.status_code == 404
    one = board(client, dietitian, f"customer_id={ann.pk}")
    assert [r["customer"]["id"] for r in one["items"]] == [ann.pk]


def test_latest_values_and_trends_only_of_tests_shared_with_the_care_team(
    client, make_user, dietitian
):
    ann = make_user(display_name="Ann")
    bob = make_user(display_name="Bob")
    for customer in (ann, bob):
        into_care(customer, dietitian)
        result(customer, "height", 170, days_ago=40)
        for days_ago, kg in ((28, 80.0), (21, 80.0), (14, 80.0), (7, 78.0)):
            result(customer, "weight", kg, days_ago)
        result(customer, "bmi", 27.0, days_ago=7)
        result(customer, "hba1c", 6.1, days_ago=30)
        last = result(customer, "hba1c", 6.15, days_ago=3)  # within the precision: flat
    keep_to_self(bob, "weight")  # and so BMI too (it tells the weight)
    rows = rows_by_name(board(client, dietitian, "tests=weight,bmi,hba1c"))
    weight = value_of(rows["Ann"], "weight")
    assert (weight["value"], weight["trend"], weight["unit"]) == (78.0, "down", "kg")
    assert value_of(rows["Ann"], "bmi")["trend"] is None  # a single value
    assert value_of(rows["Ann"], "hba1c")["trend"] == "flat"
    for code in ("weight", "bmi"):
        hidden = value_of(rows["Bob"], code)
        assert hidden["value"] is None and hidden["trend"] is None and hidden["taken_at"] is None
    assert value_of(rows["Bob"], "hba1c")["value"] == 6.15
    assert value_of(rows["Bob"], "hba1c")["taken_at"] == as_json(last.taken_at)
    # A rise past the flat band is "up"; a small one stays "flat".
    result(ann, "weight", 78.5, days_ago=1)  # mean before: 79.33: down by 0.83 (> 0.79)
    result(ann, "hba1c", 6.6, days_ago=1)
    rows = rows_by_name(board(client, dietitian, "tests=weight,hba1c"))
    assert value_of(rows["Ann"], "weight")["trend"] == "down"
    assert value_of(rows["Ann"], "hba1c")["trend"] == "up"
    result(ann, "weight", 79.2, days_ago=0.5)  # mean before 78.83: +0.37 < 0.79
    assert value_of(rows_by_name(board(client, dietitian))["Ann"], "weight")["trend"] == "flat"


def test_counts_of_alerts_goals_check_ins_and_messages(client, make_user, dietitian):
    ann = make_user(display_name="Ann")
    into_care(ann, dietitian)
    alert(ann, "weight", "warning")
    alert(ann, "hba1c", "critical", status="acknowledged")
    alert(ann, "systolic", "critical", status="resolved")
    alert(ann, None, "info")  # about mood check-ins
    goal(ann, missed=2)
    goal(ann, missed=3, at_risk=True)
    goal(ann, missed=4, status="dropped")
    goal(ann, at_risk=True, code="weight")
    goal(ann, at_risk=True, code="hba1c", status="achieved")
    check_in(ann, hours_ago=5)
    latest_private = check_in(ann, hours_ago=1, audience="private")
    shared = check_in(ann, hours_ago=3)
    sent = [message(ann, dietitian, f"hello {i}") for i in range(3)]
    message(dietitian, ann, "hi Ann")
    row = rows_by_name(board(client, dietitian))["Ann"]
    assert row["open_alerts"] == 3 and row["worst_severity"] == "critical"
    assert row["missed_check_ins"] == 5 and row["goals_at_risk"] == 2
    # The time as every answer gives it (UTC, said so), on PostgreSQL and SQLite alike.
    assert row["last_check_in"] == as_json(shared.at)
    assert latest_private.at > shared.at
    assert row["unread_messages"] == 3
    mark_read(dietitian, sent[1].conversation_id, sent[1].seq)
    assert rows_by_name(board(client, dietitian))["Ann"]["unread_messages"] == 1

    # Ann keeps HbA1c to herself: its alert and goal leave the counts.
    keep_to_self(ann, "hba1c")
    keep_to_self(ann, "weight")
    row = rows_by_name(board(client, dietitian))["Ann"]
    assert row["open_alerts"] == 1 and row["worst_severity"] == "info"
    assert row["goals_at_risk"] == 1  # the habit


def test_sort_filter_search_and_pages(client, make_user, dietitian):
    names = ["Ann", "bob", "Cat", "Dan"]
    people = {n: make_user(display_name=n) for n in names}
    for person in people.values():
        into_care(person, dietitian)
    alert(people["Cat"], None, "critical")
    alert(people["Cat"], None, "info")
    alert(people["bob"], None, "warning")
    goal(people["Dan"], missed=6, at_risk=True)
    goal(people["Ann"], missed=1)
    message(people["bob"], dietitian, "are you there?")
    check_in(people["Ann"], hours_ago=1)
    check_in(people["Dan"], hours_ago=30)

    def order(query):
        return [r["customer"]["name"] for r in board(client, dietitian, query)["items"]]

    assert order("") == ["Ann", "bob", "Cat", "Dan"]  # by name, case aside
    assert order("sort=name&order=desc") == ["Dan", "Cat", "bob", "Ann"]
    assert order("sort=alerts") == ["Cat", "bob", "Ann", "Dan"]
    assert order("sort=alerts&order=asc") == ["Ann", "Dan", "bob", "Cat"]
    assert order("sort=missed") == ["Dan", "Ann", "bob", "Cat"]
    assert order("sort=last_check_in") == ["Ann", "Dan", "bob", "Cat"]  # never: last
    assert order("sort=unread") == ["bob", "Ann", "Cat", "Dan"]
    assert order("filter=alerts") == ["bob", "Cat"]
    assert order("filter=at_risk") == ["Dan"]
    assert order("filter=missed") == ["Ann", "Dan"]
    assert order("filter=unread") == ["bob"]
    assert order("filter=alerts,unread") == ["bob"]
    assert order("q=a") == ["Ann", "Cat", "Dan"]
    # Beyond ASCII: the name as written, or in capitals, finds the customer.
    emile = make_user(display_name="Émile")
    into_care(emile, dietitian)
    assert order("q=Émile") == order("q=ÉMILE") == order("q=mile") == ["Émile"]
    emile.delete()
    page = board(client, dietitian, "limit=2&offset=2")
    assert [r["customer"]["name"] for r in page["items"]] == ["Cat", "Dan"]
    assert page["count"] == 4
    assert board(client, dietitian, "limit=2&offset=10") == {
        "items": [], "count": 4, "tests": page["tests"], "sort": "name", "order": "asc"
    }  # fmt: skip
    # Past the end, the total still counts only those with unread messages; a colleague
    # with no unread messages from anyone finds nobody.
    assert board(client, dietitian, "filter=unread&limit=1&offset=5")["count"] == 1
    colleague = make_user(Role.DIETITIAN)
    CareTeamMember.objects.create(customer=people["bob"], professional=colleague)
    assert [r["customer"]["name"] for r in board(client, colleague, "sort=unread")["items"]] == [
        "bob"
    ]
    nobody = board(client, colleague, "filter=unread")
    assert (nobody["items"], nobody["count"]) == ([], 0)
    too_many = "tests=" + "weight," * 7
    for bad in ("sort=age", "order=up", "filter=everything", "tests=nope", too_many):
        answer = client.get(f"/api/care/dashboard?{bad}", **bearer(dietitian))
        assert answer.status_code == 400, (bad, answer.content)
        assert api_json(answer)["field"] in ("sort", "order", "filter", "tests")


@pytest.mark.parametrize("customers", [3, 30])
def test_a_bounded_number_of_queries_whatever_the_number_of_customers(
    client, make_user, dietitian, customers, django_assert_max_num_queries
):
    for i in range(customers):
        person = make_user(display_name=f"Customer {i:02d}")
        into_care(person, dietitian)
        result(person, "weight", 80 + i, days_ago=7)
        result(person, "weight", 79 + i, days_ago=1)
        alert(person, "weight")
        goal(person, missed=1, at_risk=True)
        check_in(person, hours_ago=2)
        message(person, dietitian, "hi")
    headers = bearer(dietitian)
    # The bearer, the catalogue, the rows, the unread counts, the latest values and the
    # access log (its insert in a transaction); sorting by unread asks the ids in care first.
    for query, most in (("", 7), ("sort=unread&filter=unread&tests=weight,bmi,hba1c", 8)):
        with django_assert_max_num_queries(most):
            response = client.get(f"/api/care/dashboard?{query}", **headers)
        assert response.status_code == 200
        data = api_json(response)
        assert data["count"] == customers and len(data["items"]) == customers
        assert all(r["unread_messages"] == 1 and r["open_alerts"] == 1 for r in data["items"])


def test_each_customer_shown_is_in_their_access_log_once_per_request(client, make_user, dietitian):
    people = [make_user(display_name=n) for n in ("Ann", "Bob", "Cat")]
    for person in people:
        into_care(person, dietitian)
    board(client, dietitian, "limit=2")
    entries = AccessAuditEntry.objects.filter(actor=dietitian, resource="care dashboard")
    assert sorted(e.subject_id for e in entries) == sorted(p.pk for p in people[:2])
    assert {e.action for e in entries} == {"read"}


def test_a_test_kept_to_the_customer_by_default_shows_only_once_they_share_it(
    client, make_user, dietitian
):
    MedicalTest.objects.filter(code__in=("hba1c", "height")).update(default_audience="only_me")
    ann, bob = make_user(display_name="Ann"), make_user(display_name="Bob")
    for customer in (ann, bob):
        into_care(customer, dietitian)
        result(customer, "hba1c", 6.0, days_ago=2)
        result(customer, "bmi", 25.0, days_ago=2)
        alert(customer, "hba1c")
    for code in ("hba1c", "height"):  # Bob shares them; Ann keeps the defaults
        keep_to_self(bob, code, audience="care_team")
    rows = rows_by_name(board(client, dietitian, "tests=hba1c,bmi"))
    assert [value_of(rows["Ann"], c)["value"] for c in ("hba1c", "bmi")] == [None, None]
    assert [value_of(rows["Bob"], c)["value"] for c in ("hba1c", "bmi")] == [6.0, 25.0]
    assert (rows["Ann"]["open_alerts"], rows["Bob"]["open_alerts"]) == (0, 1)
