"""What the browser tests share: Debian's Chromium driven by Playwright, a cluster of real
servers in production mode, and signing in through the login page. Importing this skips
the importing module outside CI when Chromium is missing (under CI=true it must run)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import PASSWORD, Cluster

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM) and os.environ.get("CI", "").lower() != "true":
    pytest.skip("Chromium is not installed here (CI installs it)", allow_module_level=True)

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


def signed_in_page(browser: Browser, server: Server, email: str) -> Page:
    page = browser.new_context(base_url=server.url).new_page()
    watch_for_csp_violations(page)
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#ws-state")).to_have_text("connected")
    return page
