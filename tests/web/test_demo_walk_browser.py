"""What ``make run`` shows a visitor: the server in embedded mode with its demo data,
walked in Chromium at a phone's width as each demo member. The demo tells its story on
the pages (Casey finds Dana, her class, the live Q&A, a survey, Ontario topics and
notices; Dana her customers; Morgan the review queue), and every page the navigation
leads to is accessible (axe-core) without sideways scrolling."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import Server, clean_env, with_migrated_sqlite
from tests.web.browsing import (
    Browser,
    Page,
    assert_accessible,
    expect,
    signed_in_page,
)

pytestmark = [pytest.mark.browser]


class DemoServer(Server):
    def demo_password(self, email: str) -> str:
        for line in (self.workdir / "demo-accounts.txt").read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] == email:
                return parts[2]
        raise AssertionError(f"{email} is not among the demo accounts")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    workdir: Path = with_migrated_sqlite(
        tmp_path_factory.mktemp("demo"), tmp_path_factory.getbasetemp() / "sqlite-template"
    )
    server = DemoServer(clean_env(), workdir, migrate=True)
    server.workdir = workdir
    yield server
    server.stop()


def as_demo(browser: Browser, demo: DemoServer, who: str) -> Page:
    email = f"{who}@demo.edietitian.local"
    return signed_in_page(browser, demo, email, password=demo.demo_password(email))


def visit(page: Page, path: str, heading: str) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(page.locator("#ws-state")).to_have_text("connected")
    assert_accessible(page, path)


def first_href(page: Page, selector: str) -> str:
    href = page.locator(selector).first.get_attribute("href")
    assert href, selector
    return href


def test_casey_finds_her_story_on_every_page(demo, browser):
    page = as_demo(browser, demo, "casey")
    # Messages: Dana is in her care team and they have chatted.
    expect(page.get_by_text("Dana Dietitian").first).to_be_visible()
    assert_accessible(page, "messages")
    # Notices to look at.
    expect(page.locator("#bell-count")).not_to_be_empty()
    visit(page, "/notifications", "Notifications")
    expect(page.locator("#notifications li").first).to_be_visible()

    visit(page, "/forum", "Forum")
    page.get_by_role("button", name="Ontario meetups").click()
    page.get_by_role("link", name="Saturday market walk in Toronto?").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Saturday market walk")
    assert_accessible(page, "Casey's topic")

    visit(page, "/events", "Events")
    expect(page.get_by_text("Live Q&A: snacks that keep you going")).to_be_visible()
    visit(page, "/events?mine=1", "calendar")
    expect(page.get_by_text("Eat well on a budget").first).to_be_visible()
    page.get_by_role("link", name="Live Q&A: snacks that keep you going").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Live Q&A")
    assert_accessible(page, "the live Q&A's page")
    page.get_by_role("link", name="Join the live room").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Live Q&A")
    assert_accessible(page, "the live room")

    visit(page, "/classes", "Classes")
    page.get_by_role("link", name="Eat well on a budget").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Eat well on a budget")
    assert_accessible(page, "the class")

    visit(page, "/surveys", "Surveys")
    page.get_by_role("link", name="Breakfast habits").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Breakfast habits")
    assert_accessible(page, "the survey")

    visit(page, "/settings", "Settings")
    expect(page.get_by_text("Dana Dietitian").first).to_be_visible()


def test_dana_sees_her_customers_and_may_create(demo, browser):
    page = as_demo(browser, demo, "dietitian")
    visit(page, "/care", "My customers")
    expect(page.get_by_text("Casey Customer").first).to_be_visible()
    visit(page, "/events/new", "event")
    visit(page, "/classes/new", "class")
    visit(page, "/surveys/new", "survey")


def test_morgan_has_a_post_to_review(demo, browser):
    page = as_demo(browser, demo, "moderator")
    visit(page, "/moderation", "Moderation")
    expect(page.get_by_text("detox tea").first).to_be_visible()
