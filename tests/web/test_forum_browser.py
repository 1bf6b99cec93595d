"""The forum and survey pages in real browsers (Chromium, driven by Playwright) against a
real server in production mode: a topic started in one browser appears in another's
category list, replies and reactions arrive live both ways, a reload shows them, and a
survey's results update on its author's page as a customer answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import Browser, a_cluster, expect, launch, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from a_cluster(
        tmp_path_factory.mktemp("forum-browser"),
        SURVEY_MIN_GROUP="1",
        SURVEY_MIN_ACCOUNT_AGE_DAYS="0",  # Eve's account is older than the survey
    )


@pytest.fixture(scope="module")
def server(cluster: Cluster) -> Server:
    return cluster.start_server(migrate=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


def test_a_topic_and_its_replies_and_reactions_go_live_between_two_browsers(
    cluster, server, browser
):
    (category_id,) = cluster.sql(
        "INSERT INTO community_category (name, slug, description, locale, region, position,"
        " created_at, slow_mode_seconds) VALUES ('Recipes', 'recipes', 'Share what you cook',"
        " '', '', 0, now(), 0) RETURNING id"
    )[0]
    _, ada_email = server.create_account("Ada Artichoke")
    _, ben_email = server.create_account("Ben Beetroot")
    ada = signed_in_page(browser, server, ada_email)
    ben = signed_in_page(browser, server, ben_email)

    # Ben looks at the category; Ada starts a topic in it.
    ben.goto(f"/forum?c={category_id}")
    expect(ben.locator("#category-name")).to_have_text("Recipes")
    expect(ben.locator("#ws-state")).to_have_text("connected")
    ada.goto(f"/forum?c={category_id}")
    ada.fill("#thread-title", "Winter soups")
    ada.fill("#thread-body", "What do you make when it is **cold**?")
    ada.click("#new-thread button[type=submit]")
    expect(ada.locator("#thread-title")).to_have_text("Winter soups")
    expect(ada.locator(".post .body strong")).to_have_text("cold")

    # It appears in Ben's list without a reload; he opens it.
    ben.locator("#threads a", has_text="Winter soups").click()
    expect(ben.locator(".post")).to_have_count(1)
    expect(ben.locator("#ws-state")).to_have_text("connected")

    # Ben replies to the opening post: Ada sees it live, sanitized.
    ben.locator(".post").first.get_by_role("button", name="Reply").click()
    ben.fill("#reply-body", "Miso **soup** <img src=x onerror=alert(1)>")
    ben.keyboard.press("Enter")
    expect(ada.locator(".post")).to_have_count(2)
    second = ada.locator(".post").nth(1)
    expect(second.locator(".body strong")).to_have_text("soup")
    expect(second.locator(".quote")).to_contain_text("replying to #1")
    assert ada.locator(".post img").count() == 0

    # Ada reacts to it: Ben sees the count live.
    second.get_by_role("button", name="react 👍").click()
    expect(ben.locator(".post").nth(1).get_by_role("button", name="react 👍")).to_have_text("👍 1")

    # A reload shows both posts and the reaction.
    ben.reload()
    expect(ben.locator(".post")).to_have_count(2)
    expect(ben.locator(".post").nth(1).get_by_role("button", name="react 👍")).to_have_text("👍 1")
    assert ben.locator(".post .body").all_inner_texts()[1].startswith("Miso soup")


def test_survey_results_update_live_on_the_authors_page(cluster, server, browser):
    dee_id, dee_email = server.create_account("Dee Dietitian")
    cluster.sql("UPDATE accounts_user SET role = 'dietitian' WHERE id = %s", dee_id)
    _, eve_email = server.create_account("Eve Eggplant")
    cluster.sql("UPDATE accounts_user SET email_verified_at = now() WHERE email = %s", eve_email)
    _, dee_token = server.call(
        "POST", "/api/auth/token", {"email": dee_email, "password": "plum-lentil-kale-42"}
    )
    status, survey = server.call(
        "POST",
        "/api/surveys",
        {
            "title": "Hydration check",
            "closes_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
            "questions": [
                {"kind": "single", "text": "Glasses a day?", "required": True,
                 "options": ["Under 4", "4 to 8", "Over 8"]},
                {"kind": "scale", "text": "How thirsty?", "scale_min": 1, "scale_max": 5},
            ],
        },
        token=dee_token["access_token"],
    )  # fmt: skip
    assert status == 201, survey

    dee = signed_in_page(browser, server, dee_email)
    dee.goto(f"/surveys/{survey['id']}")
    expect(dee.locator("#results-count")).to_contain_text("Results appear once 1 established")
    expect(dee.locator("#ws-state")).to_have_text("connected")

    eve = signed_in_page(browser, server, eve_email)
    eve.goto("/surveys")
    eve.locator("#survey-list a", has_text="Hydration check").click()
    eve.get_by_label("4 to 8").check()
    eve.get_by_role("group", name="How thirsty?").get_by_label("4", exact=True).check()
    eve.get_by_role("button", name="Send my answers").click()
    expect(eve.locator("#answers-note")).to_contain_text("your answers are saved")

    # Dee's page updates without a reload.
    expect(dee.locator("#results-count")).to_have_text("1 responses counted.")
    glasses = dee.locator(".result").first
    expect(glasses.locator(".count")).to_have_text(["0 (0%)", "1 (100%)", "0 (0%)"])
    expect(dee.locator(".result").nth(1)).to_contain_text("Mean 4")
