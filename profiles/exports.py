"""A member downloads all their data: asked for here, built by a task
(``profiles.tasks.build_export``) into a zip under ``DATA_DIR/exports``, kept
``DATA_EXPORT_DAYS`` and downloaded by its owner only.

The zip holds one folder per registration of ``accounts.personal_data`` (every app that
keeps something about members), each part as JSON and CSV (tables) or JSON (documents),
a ``manifest.json`` listing every file and a ``README.txt`` saying what is where. Its
progress is told on ``user:{id}`` as ``export.progress`` events (ephemeral). One at a
time per member (409 while one is queued or being built), ``DATA_EXPORTS_PER_DAY`` a
day. Reading one's own data is not an access by someone else: nothing is audited.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import secrets
import time
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.personal_data import Document, Part, Table, exporters
from core.errors import Conflict, NotFound, RateLimited
from profiles.models import DataExport
from profiles.topics import tell_export

logger = logging.getLogger(__name__)

ACTIVE = (DataExport.Status.QUEUED, DataExport.Status.RUNNING)
# A download queued or being built for longer than this failed (its worker was lost):
# it no longer holds the member's one place.
STALE_AFTER = timedelta(hours=1)
# Progress is told at most this often (and always at the start and the end).
TELL_EVERY_SECONDS = 0.25


def export_dir() -> Path:
    return Path(settings.DATA_DIR) / "exports"


# --- asking, listing, downloading --------------------------------------------------------


def request_export(user: User) -> DataExport:
    """Queue a download of all ``user``'s data; the task starts once this commits."""
    from profiles.tasks import build_export  # the task module imports this one

    now = timezone.now()
    with transaction.atomic():
        # One request at a time per member: the check and the insert cannot interleave.
        User.objects.select_for_update().filter(pk=user.pk).first()
        _fail_stale(DataExport.objects.filter(customer=user), now)
        if DataExport.objects.filter(customer=user, status__in=ACTIVE).exists():
            raise Conflict(
                "your download is being prepared; wait for it to finish",
                code="export_in_progress",
            )
        day_ago = now - timedelta(days=1)
        recent = list(
            DataExport.objects.filter(customer=user, created_at__gt=day_ago)
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        limit = settings.DATA_EXPORTS_PER_DAY
        if len(recent) >= limit:
            wait = (recent[-limit] + timedelta(days=1) - now).total_seconds()
            raise RateLimited(
                wait, f"{limit} downloads a day at most; the next one from {wait / 3600:.0f} h"
            )
        export = DataExport.objects.create(customer=user, created_at=now)
        export_id = export.pk
        transaction.on_commit(lambda: build_export.delay(export_id), robust=True)
    return export


def exports_of(user: User, limit: int = 20) -> list[DataExport]:
    """The member's downloads, newest first."""
    return list(DataExport.objects.filter(customer=user).order_by("-created_at", "-id")[:limit])


def export_of(user: User, export_id: int) -> DataExport:
    """One of the member's own downloads; anybody else's is 404, as for none."""
    export = DataExport.objects.filter(pk=export_id, customer=user).first()
    if export is None:
        raise NotFound("no such download")
    return export


def shown_status(export: DataExport, now: datetime | None = None) -> str:
    """``queued``, ``running``, ``ready``, ``failed``, or ``expired`` (ready, kept no more)."""
    if export.status == DataExport.Status.READY and (
        not export.file_name or (export.expires_at and export.expires_at <= (now or timezone.now()))
    ):
        return "expired"
    return str(export.status)


def file_of(user: User, export_id: int) -> tuple[Path, str]:
    """The zip of one of the member's own ready downloads, and the name to save it as."""
    export = export_of(user, export_id)
    status = shown_status(export)
    if status == "expired":
        raise NotFound("this download has expired; ask for a new one", code="expired")
    if status != DataExport.Status.READY:
        raise Conflict("this download is not ready", code="export_not_ready")
    path = export_dir() / export.file_name
    if not path.is_file():
        raise NotFound("this download has expired; ask for a new one", code="expired")
    return path, f"edietitian-data-{export.created_at:%Y-%m-%d}-{export.pk}.zip"


# --- building ------------------------------------------------------------------------------


def build(export_id: int) -> None:
    """Build the zip of a queued download (the task's body). Safe to run twice: only the
    run that takes it from ``queued`` builds it."""
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.QUEUED).update(
        status=DataExport.Status.RUNNING, progress=0
    )
    if not claimed:
        return
    export = DataExport.objects.select_related("customer").get(pk=export_id)
    user = export.customer
    _tell(export, DataExport.Status.RUNNING, 0)
    directory = export_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{export_id}-{secrets.token_hex(16)}.zip"
    path = directory / name
    partial = path.with_suffix(".part")
    try:
        _write_zip(partial, user, lambda progress: _progress(export, progress))
        partial.replace(path)
    except Exception:
        logger.exception("download %s of user %s failed", export_id, user.pk)
        partial.unlink(missing_ok=True)
        DataExport.objects.filter(pk=export_id).update(
            status=DataExport.Status.FAILED, finished_at=timezone.now()
        )
        _tell(export, DataExport.Status.FAILED, export.progress)
        return
    now = timezone.now()
    done = DataExport.objects.filter(pk=export_id, status=DataExport.Status.RUNNING).update(
        status=DataExport.Status.READY,
        progress=100,
        file_name=name,
        size=path.stat().st_size,
        finished_at=now,
        expires_at=now + timedelta(days=settings.DATA_EXPORT_DAYS),
    )
    if not done:  # the member was erased meanwhile: nothing of theirs is kept
        path.unlink(missing_ok=True)
        return
    _tell(export, DataExport.Status.READY, 100)


def _progress(export: DataExport, progress: int) -> None:
    now = time.monotonic()
    last = getattr(export, "_told_at", 0.0)
    if progress <= export.progress or (now - last < TELL_EVERY_SECONDS and progress < 98):
        return
    export.progress = progress
    export._told_at = now  # type: ignore[attr-defined]
    DataExport.objects.filter(pk=export.pk, status=DataExport.Status.RUNNING).update(
        progress=progress
    )
    _tell(export, DataExport.Status.RUNNING, progress)


def _tell(export: DataExport, status: str, progress: int) -> None:
    tell_export(export.customer_id, export.pk, str(status), progress)


README = """All your data on eDietitian, as of {at} (UTC).

Each folder holds what one part of eDietitian keeps about you. A table comes twice: as
JSON (NAME.json, a list of records) and as CSV (NAME.csv, for a spreadsheet); a document
comes as JSON only (a FHIR bundle of your results is one: results.fhir.json). Times are
in UTC (ISO 8601). manifest.json lists every file and how many records it holds.

Direct messages and forum posts are the ones you wrote. People are named as eDietitian
shows them to you.

Files:
{files}
"""


def _write_zip(path: Path, user: User, progress: Callable[[int], None]) -> None:
    registrations = exporters()
    manifest: list[dict[str, Any]] = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, registration in enumerate(registrations, start=1):
            assert registration.export is not None
            for part in registration.export(user):
                manifest.extend(_write_part(archive, registration.name, part))
            progress(98 * index // len(registrations))
        at = timezone.now()
        archive.writestr(
            "manifest.json",
            _json({"member": user.pk, "made_at": at, "files": manifest}),
        )
        files = "\n".join(f"  {m['file']} ({m['records']} records)" for m in manifest)
        archive.writestr("README.txt", README.format(at=f"{at:%Y-%m-%d %H:%M}", files=files))


def _write_part(archive: zipfile.ZipFile, folder: str, part: Part) -> list[dict[str, Any]]:
    if isinstance(part, Document):
        name = f"{folder}/{part.name}.json"
        archive.writestr(name, _json(part.data))
        records = len(part.data) if isinstance(part.data, list) else 1
        return [{"file": name, "format": "json", "records": records}]
    assert isinstance(part, Table)
    rows = list(part.rows)
    json_name, csv_name = f"{folder}/{part.name}.json", f"{folder}/{part.name}.csv"
    archive.writestr(json_name, _json(rows))
    archive.writestr(csv_name, _csv(part.header(), rows))
    return [
        {"file": json_name, "format": "json", "records": len(rows)},
        {"file": csv_name, "format": "csv", "records": len(rows)},
    ]


def _json(data: Any) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"


def _csv(header: list[str], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in header])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    text = str(value)
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text  # no spreadsheet formulas
    return text


# --- keeping ---------------------------------------------------------------------------------


def remove_files(names: Iterable[str]) -> None:
    directory = export_dir()
    for name in names:
        if name:
            (directory / Path(name).name).unlink(missing_ok=True)


def delete_expired(now: datetime | None = None) -> int:
    """The periodic job: files of expired downloads go (the rows stay, as expired, until
    the member is erased); downloads stuck for ``STALE_AFTER`` failed; files nobody's
    row names (a member erased while it was built) go. Returns how many files went."""
    now = now or timezone.now()
    _fail_stale(DataExport.objects.all(), now)
    expired = DataExport.objects.filter(expires_at__lte=now).exclude(file_name="")
    names = list(expired.values_list("file_name", flat=True))
    remove_files(names)
    expired.update(file_name="")
    directory = export_dir()
    if directory.is_dir():
        known = set(DataExport.objects.exclude(file_name="").values_list("file_name", flat=True))
        cutoff = now.timestamp() - STALE_AFTER.total_seconds()
        for path in directory.iterdir():
            if path.name not in known and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                names.append(path.name)
    return len(names)


def _fail_stale(exports: QuerySet[DataExport], now: datetime) -> None:
    exports.filter(status__in=ACTIVE, created_at__lt=now - STALE_AFTER).update(
        status=DataExport.Status.FAILED, finished_at=now
    )
