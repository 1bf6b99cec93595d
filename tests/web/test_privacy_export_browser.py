"""Download all my data and erase my account, in Chromium at a phone's width: the
progress bar reaches done and the zip is saved; erasing with the password (after a wrong
one is said) signs the member out to the page saying the account is erased, and their
token no longer works; every state accessible (axe-core) without sideways scrolling."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.live import PASSWORD, Cluster, Server
from tests.web.browsing import assert_accessible, expect, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def server(cluster: Cluster) -> Server:
    # These servers run no Celery worker: the download is built inline, in the request.
    return cluster.start_server(CELERY_TASK_ALWAYS_EAGER="1")


def test_a_member_downloads_all_their_data_then_erases_their_account(server, browser):
    member_id, email, token = server.member("Petra Privacy")
    status, _ = server.call(
        "PATCH", "/api/messaging/settings", {"share_read_receipts": False}, token=token
    )
    assert status == 200

    page = signed_in_page(browser, server, email)
    page.goto("/privacy")
    expect(page).to_have_title("Privacy · eDietitian Community")
    expect(page.locator("#export-list")).to_have_text("No download yet.")
    expect(page.locator("#privacy-export")).not_to_contain_text("{")
    assert_accessible(page, "the privacy page")

    page.get_by_role("button", name="Download all my data").click()
    expect(page.get_by_label("Progress of your download")).to_have_js_property("value", 100)
    expect(page.locator("#export-status")).to_have_text("Your download is ready.")
    expect(page.get_by_role("button", name="Download all my data")).to_be_enabled()
    expect(page.locator("#export-list li")).to_have_count(1)
    assert_accessible(page, "the privacy page, a download ready")
    with page.expect_download() as saving:
        page.get_by_role("link", name="Save the zip", exact=True).click()
    path = saving.value.path()
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        [account] = json.loads(archive.read("accounts/account.json"))
        settings = archive.read("community.messaging/messaging-settings.csv").decode()
    assert (account["id"], account["display_name"]) == (member_id, "Petra Privacy")
    assert "share_read_receipts" in settings and "false" in settings

    # Erase: a wrong password is said, and nothing happens.
    page.get_by_label("Your password, to confirm").fill("not-my-password")
    page.get_by_role("button", name="Erase my account").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("This cannot be undone")
    assert_accessible(page, "the erase dialog")
    dialog.get_by_role("button", name="Erase my account").click()
    expect(page.locator("#erase-status")).to_contain_text("the current password is wrong")
    expect(page.get_by_label("Your password, to confirm")).to_be_focused()

    page.get_by_label("Your password, to confirm").fill(PASSWORD)
    page.get_by_role("button", name="Erase my account").click()
    dialog.get_by_role("button", name="Erase my account").click()
    expect(page).to_have_url(server.url + "/account-erased")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is erased")
    assert_accessible(page, "the account-erased page")

    # Signed out everywhere: the page asks to sign in, the token is refused, and the
    # address signs in no more.
    page.goto("/privacy")
    expect(page).to_have_url(server.url + "/login?next=/privacy")
    assert server.call("GET", "/api/me", token=token)[0] == 401
    status, _ = server.call("POST", "/api/auth/token", {"email": email, "password": PASSWORD})
    assert status == 401
