"""Download all my data: the zip holds every app's part as JSON and CSV that parse, my
own words and none of another member's; its progress is told on my own topic and reaches
100; nobody else downloads it; one at a time, a few a day; it expires and its file goes."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from profiles import exports
from profiles.models import DataExport
from tests.helpers import api_json, bearer
from tests.profiles.helpers import footprint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def exports_in(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path / "exports"


@pytest.fixture
def told(monkeypatch):
    """The frames broadcast, as (topic, frame)."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        "realtime.publish.publish_message",
        lambda topic, seq, frame, skip=None: sent.append((topic, json.loads(frame))),
    )
    return sent


def read_zip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_every_part_as_json_and_csv_and_its_progress_reaches_100(
    client, django_capture_on_commit_callbacks, told
):
    with django_capture_on_commit_callbacks(execute=True):
        them = footprint()
    member = them.member
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post("/api/me/exports", **bearer(member))
    assert asked.status_code == 202
    assert api_json(asked)["status"] == "queued"
    export_id = api_json(asked)["id"]

    progress = [
        frame["data"]
        for topic, frame in told
        if topic == f"user:{member.pk}" and frame.get("event") == "export.progress"
    ]
    assert progress[0] == {"id": export_id, "status": "running", "progress": 0}
    assert progress[-1] == {"id": export_id, "status": "ready", "progress": 100}
    values = [p["progress"] for p in progress]
    assert values == sorted(values)
    assert all("seq" not in f for t, f in told if f.get("event") == "export.progress")

    [listed] = api_json(client.get("/api/me/exports", **bearer(member)))
    assert listed["status"] == "ready" and listed["progress"] == 100
    download = client.get(listed["download_url"], **bearer(member))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"
    files = read_zip(b"".join(download.streaming_content))

    for part in (
        "accounts/account", "accounts/access-log", "accounts/blocks",
        "profiles/profile-values", "profiles/profile-history", "profiles/results",
        "profiles/consents", "profiles/test-audiences", "advice/care-team",
        "advice/care-requests", "community.messaging/messages",
        "community.forum/forum-posts", "community.forum/forum-topics",
        "community.surveys/survey-answers", "events/event-rsvps",
        "events/live-room-questions", "notifications/notification-preferences",
    ):  # fmt: skip
        assert f"{part}.json" in files and f"{part}.csv" in files, part
    for name, content in files.items():
        if name.endswith(".json"):
            json.loads(content)
        if name.endswith(".csv") and name.replace(".csv", ".json") in files:
            rows = list(csv.DictReader(io.StringIO(content.decode())))
            assert len(rows) == len(json.loads(files[name.replace(".csv", ".json")])), name
    manifest = json.loads(files["manifest.json"])
    assert {f["file"] for f in manifest["files"]} | {"manifest.json", "README.txt"} == set(files)

    [account] = json.loads(files["accounts/account.json"])
    assert account["email"] == member.email
    results = json.loads(files["profiles/results.json"])
    assert {r["entered_value"] for r in results} <= set(them.secrets) and len(results) == 2
    # The results also as a FHIR R4 bundle: the current value, not the corrected one.
    bundle = json.loads(files["profiles.fhir/results.fhir.json"])
    assert bundle["resourceType"] == "Bundle"
    assert [e["resource"]["valueQuantity"]["value"] for e in bundle["entry"]] == [82.9]
    messages = json.loads(files["community.messaging/messages.json"])
    # Their own words only: the dietitian's reply is not theirs to take.
    assert them.message_body in {m["body"] for m in messages}
    assert "Tuesday it is" not in files["community.messaging/messages.csv"].decode()
    assert them.post_body in files["community.forum/forum-posts.csv"].decode()
    [log] = [e for e in json.loads(files["accounts/access-log.json"]) if e["action"] == "read"]
    assert log["by"] == them.dietitian.public_name() and "@" not in json.dumps(log)


def test_only_the_owner_downloads_and_one_at_a_time_and_a_few_a_day(
    client, make_user, django_capture_on_commit_callbacks
):
    owner, other = make_user(), make_user()
    with django_capture_on_commit_callbacks(execute=True):
        export_id = api_json(client.post("/api/me/exports", **bearer(owner)))["id"]
    for path in (f"/api/me/exports/{export_id}/download", f"/api/me/exports/{export_id}"):
        assert client.get(path, **bearer(owner)).status_code == 200
        refused = client.get(path, **bearer(other))
        assert refused.status_code == 404 and api_json(refused)["code"] == "not_found"
        assert client.get(path).status_code == 401
    assert api_json(client.get("/api/me/exports", **bearer(other))) == []

    # One at a time: while one is queued (its task not run yet), another is refused.
    assert client.post("/api/me/exports", **bearer(owner)).status_code == 202
    busy = client.post("/api/me/exports", **bearer(owner))
    assert busy.status_code == 409 and api_json(busy)["code"] == "export_in_progress"
    # A few a day.
    DataExport.objects.filter(customer=owner).update(status=DataExport.Status.READY)
    for _ in range(django_settings.DATA_EXPORTS_PER_DAY - 2):
        DataExport.objects.create(customer=owner, status=DataExport.Status.FAILED)
    limited = client.post("/api/me/exports", **bearer(owner))
    assert limited.status_code == 429 and api_json(limited)["code"] == "rate_limited"


def test_a_download_expires_and_the_periodic_job_takes_its_file(
    client, make_user, django_capture_on_commit_callbacks, exports_in
):
    assert "profiles.tasks.delete_expired_exports" in django_settings.CELERY_BEAT_SCHEDULE
    owner = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        export_id = api_json(client.post("/api/me/exports", **bearer(owner)))["id"]
    made = DataExport.objects.get(pk=export_id)
    assert made.expires_at - made.finished_at == timedelta(days=django_settings.DATA_EXPORT_DAYS)
    assert (exports_in / made.file_name).is_file()
    DataExport.objects.filter(pk=export_id).update(expires_at=timezone.now())
    gone = client.get(f"/api/me/exports/{export_id}/download", **bearer(owner))
    assert gone.status_code == 404 and api_json(gone)["code"] == "expired"
    assert exports.delete_expired() == 1
    assert list(exports_in.iterdir()) == []
    [listed] = api_json(client.get("/api/me/exports", **bearer(owner)))
    assert listed["status"] == "expired" and listed["download_url"] is None


def test_the_privacy_page_offers_both_and_the_erased_page_is_for_anyone(client, make_user):
    assert client.get("/privacy").status_code == 302
    member = make_user()
    client.force_login(member)
    page = client.get("/privacy").content.decode()
    assert '<section id="privacy-export">' in page and "Download all my data" in page
    assert 'name="password"' in page and 'name="confirm"' not in page
    member.set_unusable_password()  # an account from Cognito
    member.save()
    client.force_login(member)
    page = client.get("/privacy").content.decode()
    assert 'name="confirm"' in page and 'name="password"' not in page
    client.logout()
    assert "Your account is erased" in client.get("/account-erased").content.decode()
