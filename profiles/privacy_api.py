"""The HTTP doors of "download all my data" and erasure (thin: the rules are in
``profiles.exports`` and ``accounts.erasure``)."""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse, Http404, HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from accounts.erasure import erase_account, erase_own_account
from accounts.models import User
from accounts.permissions import can_view_account, signed_in_user
from accounts.schemas import Input
from core.http import private_no_store
from profiles import exports
from profiles.models import DataExport

router = Router(tags=["privacy"])
# A member's own data, its download above all: no cache keeps an answer.
router.add_decorator(private_no_store, mode="view")


class ExportOut(Schema):
    id: int
    # queued, running, ready, failed, or expired (ready, and kept no more)
    status: str
    progress: int
    size: int
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    # Where to download it while it is ready; null otherwise.
    download_url: str | None

    @staticmethod
    def resolve_status(export: DataExport) -> str:
        return exports.shown_status(export)

    @staticmethod
    def resolve_download_url(export: DataExport) -> str | None:
        if exports.shown_status(export) != DataExport.Status.READY:
            return None
        return f"/api/me/exports/{export.pk}/download"


class EraseIn(Input):
    password: str | None = Field(default=None, max_length=256)
    confirm: str | None = Field(
        default=None, max_length=64, description='"erase my account", without a password'
    )


class ErasedOut(Schema):
    message: str


class AccountErasedOut(Schema):
    id: int
    erased_at: datetime


@router.post("/me/exports", response={202: ExportOut})
def ask_for_export(request: HttpRequest) -> Status[DataExport]:
    """Queue a download of all my data; its progress comes on ``user:{me}`` as
    ``export.progress``. 409 ``export_in_progress`` while one is queued or being built;
    429 past ``DATA_EXPORTS_PER_DAY``."""
    return Status(202, exports.request_export(signed_in_user(request)))


@router.get("/me/exports", response=list[ExportOut])
def my_exports(request: HttpRequest) -> list[DataExport]:
    """My downloads, newest first (the last 20)."""
    return exports.exports_of(signed_in_user(request))


@router.get("/me/exports/{export_id}", response=ExportOut)
def my_export(request: HttpRequest, export_id: int) -> DataExport:
    return exports.export_of(signed_in_user(request), export_id)


@router.get("/me/exports/{export_id}/download", response={200: None})
def download_export(request: HttpRequest, export_id: int) -> FileResponse:
    """The zip, for its owner only (anybody else: 404), until it expires."""
    path, name = exports.file_of(signed_in_user(request), export_id)
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type="application/zip"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post("/me/erase", response={202: ErasedOut})
def erase_me(request: HttpRequest, payload: EraseIn) -> Status[dict[str, str]]:
    """Erase my account (``{password}``; an account without one, ``{confirm: "erase my
    account"}``): my data goes, what I wrote for others stays by "a deleted member", and
    I am signed out everywhere."""
    erase_own_account(
        request, signed_in_user(request), password=payload.password, confirm=payload.confirm
    )
    return Status(202, {"message": "Your account is erased. You are signed out everywhere."})


@router.post("/users/{user_id}/erase", response=AccountErasedOut, tags=["users"])
def erase_user(request: HttpRequest, user_id: int) -> User:
    """Admins erase a member's account (audited). Anybody who may not see the account
    gets 404, as for an id of nobody."""
    actor = signed_in_user(request)
    user = User.objects.filter(pk=user_id).first()
    if user is None or not can_view_account(actor, user):
        raise Http404("No User matches the given query.")
    return erase_account(actor, user)
