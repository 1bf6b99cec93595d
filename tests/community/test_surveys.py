"""Surveys: made by professionals for an audience, one editable response per customer
while open, results live and never for a group below the minimum, CSV for the author."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.roles import Role
from community.models import Response, Survey
from tests.community.helpers import QUESTIONS
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def make_survey(client, author, **fields: Any):
    body = {
        "title": "Morning habits",
        "closes_at": (timezone.now() + timedelta(days=7)).isoformat(),
        "questions": QUESTIONS,
        **fields,
    }
    return client.post("/api/surveys", body, content_type="application/json", **bearer(author))


def answer(client, user, survey: dict, answers: dict[int, Any]):
    ids = [q["id"] for q in survey["questions"]]
    payload = {"answers": {str(ids[i]): v for i, v in answers.items()}}
    return client.put(
        f"/api/surveys/{survey['id']}/response",
        payload,
        content_type="application/json",
        **bearer(user),
    )


@pytest.fixture
def dietitian(make_user):
    return make_user(Role.DIETITIAN)


@pytest.fixture
def member(make_user):
    """Customers who count toward a survey's group: a verified address (accounts made in
    tests have one) and an account older than SURVEY_MIN_ACCOUNT_AGE_DAYS."""

    def make(**fields: Any):
        joined = timezone.now() - timedelta(days=60)
        return make_user(Role.CUSTOMER, date_joined=joined, **fields)

    return make


def test_a_customer_answers_once_and_may_change_it_while_open(client, dietitian, make_user):
    survey = api_json(make_survey(client, dietitian, audience="region", audience_value="ca-on"))
    member = make_user(Role.CUSTOMER, region="ca-on")
    outsider = make_user(Role.CUSTOMER, region="ca-bc")

    assert client.get(f"/api/surveys/{survey['id']}", **bearer(outsider)).status_code == 404
    assert answer(client, outsider, survey, {0: 0}).status_code == 404
    missing = answer(client, member, survey, {1: [0]})
    assert (
        missing.status_code == 400 and "question 1 needs an answer" in api_json(missing)["message"]
    )
    assert answer(client, member, survey, {0: 5}).status_code == 400
    assert answer(client, member, survey, {0: 0, 2: 9}).status_code == 400

    first = answer(client, member, survey, {0: 0, 1: [0, 2], 2: 4, 3: "More sleep"})
    assert first.status_code == 200
    changed = answer(client, member, survey, {0: 1, 2: 3})
    mine = api_json(changed)["my_answers"]
    ids = [q["id"] for q in survey["questions"]]
    assert mine == {str(ids[0]): 1, str(ids[2]): 3}
    assert Response.objects.filter(user=member).count() == 1

    Survey.objects.filter(pk=survey["id"]).update(closes_at=timezone.now())
    closed = answer(client, member, survey, {0: 0})
    assert closed.status_code == 403 and api_json(closed)["code"] == "closed"
    assert answer(client, dietitian, survey, {0: 0}).status_code == 403


def test_only_professionals_and_staff_make_surveys(client, make_user):
    refused = make_survey(client, make_user(Role.CUSTOMER))
    assert refused.status_code == 403
    bad = make_survey(
        client, make_user(Role.DIETITIAN), questions=[{"kind": "single", "text": "?"}]
    )
    assert bad.status_code == 400


def test_results_are_hidden_below_the_minimum_group_then_counted(
    client, dietitian, member, settings
):
    settings.SURVEY_MIN_GROUP = 3
    survey = api_json(make_survey(client, dietitian, results_for="respondents"))
    members = [member() for _ in range(3)]
    answer(client, members[0], survey, {0: 0, 1: [0, 1], 2: 5, 3: "x"})
    answer(client, members[1], survey, {0: 1, 1: [1], 2: 3})

    early = api_json(client.get(f"/api/surveys/{survey['id']}/results", **bearer(dietitian)))
    assert early["suppressed"] is True and early["questions"] == []
    assert early["responses"] == 0 and "pending" not in early
    not_yet = client.get(f"/api/surveys/{survey['id']}/results", **bearer(members[2]))
    assert not_yet.status_code == 403  # results are for respondents

    answer(client, members[2], survey, {0: 0, 2: 4})
    shown = api_json(client.get(f"/api/surveys/{survey['id']}/results", **bearer(members[2])))
    single, multiple, scale, text = shown["questions"]
    assert shown["suppressed"] is False and shown["responses"] == 3
    assert single["counts"] == [2, 1]
    assert scale["counts"] == [0, 0, 1, 1, 1] and scale["mean"] == 4.0
    # Answered by fewer than three: how many, nothing of what (texts only in the CSV).
    assert (multiple["answered"], multiple["suppressed"], multiple["counts"]) == (2, True, None)
    assert (text["answered"], text["suppressed"], text["counts"]) == (1, True, None)


def test_results_change_only_when_enough_new_people_answered(client, dietitian, member, settings):
    settings.SURVEY_MIN_GROUP = 2
    survey = api_json(make_survey(client, dietitian, results_for="audience"))
    members = [member() for _ in range(4)]
    answer(client, members[0], survey, {0: 0})
    answer(client, members[1], survey, {0: 0})
    url = f"/api/surveys/{survey['id']}/results"
    first = api_json(client.get(url, **bearer(members[0])))
    assert first["questions"][0]["counts"] == [2, 0]

    # One more answer, or one person changing theirs, does not move the results: the
    # difference would tell what that one person said.
    answer(client, members[2], survey, {0: 1})
    answer(client, members[0], survey, {0: 1})
    held = api_json(client.get(url, **bearer(members[0])))
    assert held == first  # not even how many answered since

    answer(client, members[3], survey, {0: 1})
    moved = api_json(client.get(url, **bearer(members[0])))
    assert moved["questions"][0]["counts"] == [1, 3] and moved["responses"] == 4


def test_the_author_exports_anonymous_csv_once_there_are_enough_responses(
    client, dietitian, make_user, member, settings
):
    settings.SURVEY_MIN_GROUP = 2
    settings.SURVEY_MIN_GROUP_FREE_TEXT = 2
    survey = api_json(make_survey(client, dietitian))
    first = member(display_name="Ada Lovelace")
    answer(client, first, survey, {0: 0, 1: [0, 2], 3: "=HYPERLINK(1)"})
    url = f"/api/surveys/{survey['id']}/export.csv"
    assert client.get(url, **bearer(dietitian)).status_code == 409

    answer(client, member(), survey, {0: 1, 2: 2})
    assert client.get(url, **bearer(make_user(Role.DIETITIAN))).status_code == 403
    response = client.get(url, **bearer(dietitian))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["response", "Breakfast?", "Fruit?", "Energy?", "Anything else?"]
    assert sorted(r[1:] for r in rows[1:]) == [
        ["Eggs", "", "2", ""],
        ["Oats", "Apple; Kiwi", "", "'=HYPERLINK(1)"],
    ]
    assert b"Ada" not in response.content and str(first.pk).encode() not in response.content[40:]


def test_throwaway_accounts_do_not_make_a_group_around_one_real_respondent(
    client, dietitian, make_user, member, settings
):
    """One patient answers "Yes"; four accounts made for the purpose answer "No" beside
    them (fresh ones, and old ones whose address nobody verified). Nothing is shown."""
    assert settings.SURVEY_MIN_GROUP == 5
    survey = api_json(
        make_survey(
            client, dietitian, audience="region", audience_value="ca-on", results_for="audience"
        )
    )
    patient = member(region="ca-on")
    assert answer(client, patient, survey, {0: 0, 3: "I stopped my insulin"}).status_code == 200
    fresh = [make_user(Role.CUSTOMER, region="ca-on") for _ in range(4)]
    unverified = [member(region="ca-on", email_verified_at=None) for _ in range(4)]
    for throwaway in fresh + unverified:
        assert answer(client, throwaway, survey, {0: 1, 3: "no"}).status_code == 200

    url = f"/api/surveys/{survey['id']}/results"
    for viewer in (dietitian, fresh[0], patient):
        shown = api_json(client.get(url, **bearer(viewer)))
        assert shown["suppressed"] is True and shown["questions"] == []
        assert shown["responses"] == 0 and "pending" not in shown
    export = client.get(f"/api/surveys/{survey['id']}/export.csv", **bearer(dietitian))
    assert export.status_code == 409 and b"insulin" not in export.content

    # Four more real members: now five count, and only they are in the results.
    for _ in range(4):
        answer(client, member(region="ca-on"), survey, {0: 0})
    shown = api_json(client.get(url, **bearer(dietitian)))
    assert shown["responses"] == 5 and shown["questions"][0]["counts"] == [5, 0]
    export = client.get(f"/api/surveys/{survey['id']}/export.csv", **bearer(dietitian))
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert len(rows) == 1 + 5 and all(r[1] == "Oats" for r in rows[1:])


def test_free_text_stays_out_of_the_csv_below_its_larger_group(client, dietitian, member, settings):
    settings.SURVEY_MIN_GROUP = 2
    settings.SURVEY_MIN_GROUP_FREE_TEXT = 4
    survey = api_json(make_survey(client, dietitian))
    url = f"/api/surveys/{survey['id']}/export.csv"
    for n in range(2):
        answer(client, member(), survey, {0: 0, 3: f"my story {n}"})
    rows = list(csv.reader(io.StringIO(client.get(url, **bearer(dietitian)).content.decode())))
    assert rows[0][4] == "Anything else? (free text: shown from 4 responses)"
    assert [r[4] for r in rows[1:]] == ["", ""]

    for n in range(2, 4):
        answer(client, member(), survey, {0: 0, 3: f"my story {n}"})
    rows = list(csv.reader(io.StringIO(client.get(url, **bearer(dietitian)).content.decode())))
    assert rows[0][4] == "Anything else?"
    assert sorted(r[4] for r in rows[1:]) == [f"my story {n}" for n in range(4)]


def test_the_csv_gains_rows_only_with_the_results_snapshot(client, dietitian, member, settings):
    """Two exports must not differ by one new respondent's row."""
    settings.SURVEY_MIN_GROUP = 2
    survey = api_json(make_survey(client, dietitian))
    url = f"/api/surveys/{survey['id']}/export.csv"

    def rows() -> list[list[str]]:
        return list(csv.reader(io.StringIO(client.get(url, **bearer(dietitian)).content.decode())))

    answer(client, member(), survey, {0: 0})
    answer(client, member(), survey, {0: 0})
    assert len(rows()) == 1 + 2
    answer(client, member(), survey, {0: 1})
    assert sorted(r[1] for r in rows()[1:]) == ["Oats", "Oats"]
    answer(client, member(), survey, {0: 1})
    assert sorted(r[1] for r in rows()[1:]) == ["Eggs", "Eggs", "Oats", "Oats"]


def test_the_csv_keeps_the_snapshot_rows_and_no_replaced_words(client, dietitian, member):
    """Ten counted responses make a snapshot and a CSV with free text. One respondent then
    changes Yes to No and writes something new: the CSV still agrees with the results
    (the rows are the snapshot's), shows neither their old nor their new words, and does
    not point at whose row changed. The next snapshot brings the change in."""
    survey = api_json(make_survey(client, dietitian))
    url = f"/api/surveys/{survey['id']}/export.csv"
    results_url = f"/api/surveys/{survey['id']}/results"
    people = [member() for _ in range(10)]
    for n, person in enumerate(people):
        answer(client, person, survey, {0: 0, 1: [n % 3], 2: 1 + n % 5, 3: f"story {n}"})

    def export() -> list[list[str]]:
        body = client.get(url, **bearer(dietitian)).content.decode()
        return list(csv.reader(io.StringIO(body)))

    before = export()
    results = api_json(client.get(results_url, **bearer(dietitian)))
    assert len(before) == 1 + 10 and results["responses"] == 10
    assert sorted(r[4] for r in before[1:]) == sorted(f"story {n}" for n in range(10))

    # The same answers again change nothing, free text included.
    answer(client, people[3], survey, {0: 0, 1: [0], 2: 4, 3: "story 3"})
    assert sorted(r[1:] for r in export()) == sorted(r[1:] for r in before)

    answer(client, people[7], survey, {0: 1, 1: [1], 2: 3, 3: "I stopped my medication"})
    after = export()
    assert api_json(client.get(results_url, **bearer(dietitian))) == results
    assert sorted(r[1:4] for r in after) == sorted(r[1:4] for r in before)  # the snapshot's
    assert sorted(r[1] for r in after[1:]) == ["Oats"] * 10  # as the results count them
    assert results["questions"][0]["counts"] == [10, 0]
    assert (
        after[0][4]
        == "Anything else? (free text: changed since these results; shown with the next)"
    )
    assert [r[4] for r in after[1:]] == [""] * 10  # the whole column: no row stands out
    assert "story 7" not in str(after) and "medication" not in str(after)

    # The next snapshot (five more counted) shows every row as it is then, words too.
    for n in range(10, 15):
        answer(client, member(), survey, {0: 0, 3: f"story {n}"})
    latest = export()
    assert len(latest) == 1 + 15 and latest[0][4] == "Anything else?"
    assert sorted(r[1] for r in latest[1:]) == ["Eggs"] + ["Oats"] * 14
    texts = sorted(r[4] for r in latest[1:])
    assert "I stopped my medication" in texts and "story 7" not in texts


def test_words_withdrawn_or_deleted_with_their_account_leave_the_csv(
    client, dietitian, member, settings
):
    settings.SURVEY_MIN_GROUP = 2
    settings.SURVEY_MIN_GROUP_FREE_TEXT = 2
    survey = api_json(make_survey(client, dietitian))
    url = f"/api/surveys/{survey['id']}/export.csv"
    people = [member() for _ in range(4)]
    for n, person in enumerate(people):
        answer(client, person, survey, {0: 0, 3: f"my words {n}"})
    assert b"my words 0" in client.get(url, **bearer(dietitian)).content

    answer(client, people[0], survey, {0: 0})  # the free text taken back
    shown = client.get(url, **bearer(dietitian)).content.decode()
    assert "my words 0" not in shown and "my words 1" not in shown
    assert len(list(csv.reader(io.StringIO(shown)))) == 1 + 4

    answer(client, member(), survey, {0: 0, 3: "my words 4"})
    answer(client, member(), survey, {0: 0, 3: "my words 5"})
    shown = client.get(url, **bearer(dietitian)).content.decode()
    assert "my words 1" in shown and "my words 0" not in shown
    people[1].delete()
    shown = client.get(url, **bearer(dietitian)).content.decode()
    assert "my words 1" not in shown and "my words 2" not in shown
