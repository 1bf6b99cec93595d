"""Surveys in Chromium at a phone's width: a customer answers radio, checkbox, scale and
written questions through their labels; a dietitian builds a survey in the browser and a
customer of its audience sees it; the author gets the CSV link, told why it waits for
enough responses; every page and state accessible (axe-core) without sideways scrolling."""

from __future__ import annotations

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import (
    assert_accessible,
    expect,
    signed_in_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def server(cluster: Cluster) -> Server:
    # Results from two responses by accounts of any age, so a test can show them.
    return cluster.start_server(SURVEY_MIN_GROUP="2", SURVEY_MIN_ACCOUNT_AGE_DAYS="0")


def a_dietitian(server: Server, cluster: Cluster, name: str) -> tuple[int, str, str]:
    user_id, email, token = server.member(name)
    cluster.set_role(user_id, "dietitian")
    return user_id, email, token


def test_a_customer_answers_every_kind_of_question_through_its_labels(server, browser, cluster):
    _, _, dietitian = a_dietitian(server, cluster, "Rita Rosemary")
    _, sam_email, _ = server.member("Sam Sorrel")
    _, _, tia = server.member("Tia Thyme")
    status, survey = server.call(
        "POST",
        "/api/surveys",
        {
            "title": "Your breakfast habits",
            "description": "Five questions, two minutes.",
            "closes_at": "2031-01-01T00:00:00+00:00",
            "results_for": "respondents",
            "questions": [
                {"kind": "single", "text": "Do you eat breakfast?", "required": True,
                 "options": ["Every day", "Sometimes", "Never"]},
                {"kind": "multiple", "text": "What do you eat?",
                 "options": ["Oats", "Eggs", "Fruit", "Toast"]},
                {"kind": "scale", "text": "How hungry are you by noon?", "required": True,
                 "scale_min": 1, "scale_max": 5},
                {"kind": "text", "text": "Anything else?"},
            ],
        },
        token=dietitian,
    )  # fmt: skip
    assert status == 201, survey
    ids = [q["id"] for q in survey["questions"]]
    status, answered = server.call(
        "PUT",
        f"/api/surveys/{survey['id']}/response",
        {"answers": {str(ids[0]): 0, str(ids[1]): [1], str(ids[2]): 5}},
        token=tia,
    )
    assert status == 200, answered
    sam = signed_in_page(browser, server, sam_email)
    sam.goto("/surveys")
    expect(sam).to_have_title("Surveys · eDietitian Community")
    expect(sam.get_by_role("link", name="New survey")).to_have_count(0)
    sam.get_by_role("link", name="Your breakfast habits").click()
    expect(sam).to_have_title("Your breakfast habits · eDietitian Community")
    expect(sam.get_by_role("heading", level=1)).to_have_text("Your breakfast habits")
    expect(sam.get_by_role("link", name="Download CSV")).to_have_count(0)
    first = sam.get_by_role("group", name="Do you eat breakfast? (required)")
    expect(first).to_be_visible()
    assert_accessible(sam, "a survey to answer")

    # A required question left empty is named, and nothing is sent.
    sam.get_by_role("button", name="Send my answers").click()
    expect(sam.locator("#answers-note")).to_contain_text("Please answer: Do you eat breakfast?")

    # Every choice by its label: radios, checkboxes, the scale's numbers, the text box.
    first.get_by_label("Sometimes").check()
    sam.get_by_label("Oats").check()
    sam.get_by_label("Fruit").check()
    scale = sam.get_by_role("group", name="How hungry are you by noon? (required)")
    expect(scale.get_by_role("radio")).to_have_count(5)
    expect(scale).to_contain_text("From 1 (lowest) to 5 (highest).")
    scale.get_by_label("4", exact=True).check()
    sam.get_by_label("Anything else?").fill("More protein, please")
    sam.get_by_role("button", name="Send my answers").click()
    expect(sam.locator("#answers-note")).to_contain_text("your answers are saved")
    # The answers are stored as given, and shown again on a reload.
    sam.reload()
    expect(sam.get_by_label("Sometimes")).to_be_checked()
    expect(sam.get_by_label("Fruit")).to_be_checked()
    expect(sam.get_by_label("Eggs")).not_to_be_checked()
    expect(scale.get_by_label("4", exact=True)).to_be_checked()
    expect(sam.get_by_label("Anything else?")).to_have_value("More protein, please")
    # Results for respondents, now that two answered: bars with their numbers in words.
    expect(sam.locator("#results-count")).to_have_text("2 responses counted.")
    breakfast = sam.locator(".result", has_text="Do you eat breakfast?")
    expect(breakfast.locator(".bar-row")).to_have_text(
        ["Every day1 (50%)", "Sometimes1 (50%)", "Never0 (0%)"]
    )
    hunger = sam.locator(".result", has_text="How hungry are you by noon?")
    expect(hunger).to_contain_text("Mean 4.5")
    assert_accessible(sam, "a survey answered, with its results")


def test_a_dietitian_builds_a_survey_a_customer_of_its_audience_sees_it_and_the_author_gets_the_csv(
    server, browser, cluster
):
    _, dora_email, _ = a_dietitian(server, cluster, "Dora Dandelion")
    dora = signed_in_page(browser, server, dora_email)
    dora.goto("/surveys")
    dora.get_by_role("link", name="New survey").click()
    expect(dora).to_have_title("New survey · eDietitian Community")
    assert_accessible(dora, "a new survey")

    dora.get_by_label("Title").fill("Cooking at home")
    dora.get_by_label("Description (optional)").fill("Tell us how you cook.")
    dora.get_by_label("Audience").select_option("region")
    dora.get_by_label("Region or language code").fill("ca-on")
    dora.get_by_label("Closes").fill("2031-06-01T12:00")
    dora.get_by_label("Who sees the results").select_option("audience")
    # Question 1: one choice.
    q1 = dora.locator(".builder-question").nth(0)
    q1.get_by_label("Question text").fill("How often do you cook?")
    q1.get_by_label("Choices, one per line (2 to 20)").fill("Daily\nWeekly\nRarely")
    q1.get_by_label("An answer is required").check()
    # Question 2: a scale; question 3: written; then the written one moves up.
    dora.get_by_role("button", name="Add a question").click()
    q2 = dora.locator(".builder-question").nth(1)
    expect(q2.get_by_label("Question text")).to_be_focused()
    q2.get_by_label("Question text").fill("How much do you enjoy it?")
    q2.get_by_label("Kind of answer").select_option("scale")
    q2.get_by_label("Highest number").fill("7")
    dora.get_by_role("button", name="Add a question").click()
    q3 = dora.locator(".builder-question").nth(2)
    q3.get_by_label("Question text").fill("Your favourite dish?")
    q3.get_by_label("Kind of answer").select_option("text")
    dora.get_by_role("button", name="Move question 3 up").click()
    expect(dora.get_by_role("button", name="Move question 2 up")).to_be_focused()
    # A fourth, removed again.
    dora.get_by_role("button", name="Add a question").click()
    dora.get_by_role("button", name="Remove question 4").click()
    expect(dora.locator(".builder-question")).to_have_count(3)
    assert_accessible(dora, "a survey being built")
    dora.get_by_role("button", name="Create the survey").click()

    expect(dora.get_by_role("heading", level=1)).to_have_text("Cooking at home")
    expect(dora).to_have_title("Cooking at home · eDietitian Community")
    legends = dora.locator("#results-body h3")
    expect(legends).to_have_count(0)  # no results yet
    csv = dora.get_by_role("link", name="Download CSV")
    expect(csv).to_have_attribute(
        "href", "/api/surveys/" + dora.url.rsplit("/", 1)[1] + "/export.csv"
    )
    csv.click()
    expect(dora.locator("#export-note")).to_contain_text("Not yet")
    assert_accessible(dora, "a survey's author")

    # A customer of the region sees it, with its questions in the order built.
    oona_id, oona_email, _ = server.member("Oona Oregano")
    cluster.sql("UPDATE accounts_user SET region = 'ca-on' WHERE id = %s", oona_id)
    _, bill_email, _ = server.member("Bill Basil")  # no region: not asked
    oona = signed_in_page(browser, server, oona_email)
    oona.goto("/surveys")
    oona.get_by_role("link", name="Cooking at home").click()
    expect(oona.locator("#questions .question")).to_have_count(3)
    texts = oona.locator("#questions legend, #questions .question-text").all_inner_texts()
    assert [t.replace(" (required)", "") for t in texts] == [
        "How often do you cook?",
        "Your favourite dish?",
        "How much do you enjoy it?",
    ]
    expect(
        oona.get_by_role("group", name="How much do you enjoy it?").get_by_role("radio")
    ).to_have_count(7)
    bill = signed_in_page(browser, server, bill_email)
    bill.goto("/surveys")
    expect(bill.get_by_role("link", name="Your breakfast habits")).to_be_visible()
    expect(bill.get_by_role("link", name="Cooking at home")).to_have_count(0)
    assert_accessible(bill, "the surveys of a customer")
    # A customer cannot build one.
    bill.goto("/surveys/new")
    expect(bill.get_by_role("heading", level=1)).to_have_text("New survey")
    expect(bill.locator("#survey-form")).to_have_count(0)
