"""What the browser tests share: Debian's Chromium driven by Playwright, a cluster of real
servers in production mode, and signing in through the login page. Importing this skips
the importing module outside CI when Chromium is missing (under CI=true it must run)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import PASSWORD, Cluster

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM) and os.environ.get("CI", "").lower() != "true":
    pytest.skip("Chromium is not installed here (CI installs it)", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import (  # noqa: E402
    Browser,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from tests.live import Server  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch() -> Iterator[Browser]:
    """A headless Chromium for a module's tests (use with ``yield from``)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def a_cluster(workdir: Path, **env: str) -> Iterator[Cluster]:
    """A cluster (its own database and Redis) for a module's tests, closed after them."""
    cluster = Cluster(workdir, **env)
    try:
        yield cluster
    finally:
        cluster.close()


# What the pages' Content-Security-Policy refused, for every page these tests open: an
# inline script or a resource from elsewhere is a defect (tests/web/conftest.py).
CSP_VIOLATIONS: list[str] = []


def watch_for_csp_violations(page: Page) -> None:
    def note(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            CSP_VIOLATIONS.append(f"{page.url}: {message.text}")

    page.on("console", note)


# Phones first: the pages are tested at a small phone's width unless a test says otherwise.
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def titled(text: str) -> re.Pattern[str]:
    """A page's title as ``to_have_title`` should expect it: the shell puts the count of
    unread notices before it ("(2) ...") as soon as it has counted them, which may be
    before or after the check."""
    return re.compile(r"^(\(\d+\) )?" + re.escape(text) + "$")


def signed_in_page(
    browser: Browser,
    server: Server,
    email: str,
    viewport: dict[str, int] | None = None,
    password: str = PASSWORD,
) -> Page:
    page = browser.new_context(base_url=server.url, viewport=viewport or PHONE).new_page()
    watch_for_csp_violations(page)
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("#ws-state")).to_have_text("connected")
    return page


# axe-core rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def assert_accessible(page: Page, what: str = "") -> None:
    """axe-core finds no serious or critical violation on the page as it is now, and the
    page is not wider than the screen (nothing to scroll sideways)."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{what or page.url}: " + "\n".join(serious)
    assert_fits(page, what)


def assert_fits(page: Page, what: str = "") -> None:
    """Nothing on the page makes it scroll sideways at its width."""
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{what or page.url}: {width} px wide on a {viewport} px screen"
