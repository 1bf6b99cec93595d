"""What profiles keeps about a member: their profile, its values and history, their
results and the audiences they chose, their consents and their downloads. All of it is
theirs, so all of it goes into the download (as the member sees it: every field, retired
ones too), and all of it goes on erasure, the download files with it.

Where a member entered a result or changed a value of someone else's record (a
professional of a care team), the row is the customer's: it stays, with the id of who
entered it, shown as the erased name (``public_name``)."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from accounts.models import User
from accounts.personal_data import Part, Table, register
from profiles import exports
from profiles.models import (
    Consent,
    DataExport,
    Profile,
    ProfileChange,
    ProfileValue,
    Result,
    TestAudience,
)


def _name(user: User | None) -> str:
    return user.public_name() if user is not None else ""


def _value(value: Any) -> Any:
    """A profile value as stored (a number, text, a date, a list of choices): lists and
    objects go into CSV as JSON."""
    return json.dumps(value) if isinstance(value, list | dict) else value


def export_profile(user: User) -> list[Part]:
    profile = Profile.objects.filter(customer=user).first()
    values = (
        ProfileValue.objects.filter(customer=user)
        .select_related("attribute", "updated_by")
        .order_by("attribute__section", "attribute__order", "attribute__key")
    )
    history = (
        ProfileChange.objects.filter(customer=user)
        .select_related("attribute", "changed_by")
        .order_by("changed_at", "id")
    )
    results = (
        Result.objects.filter(customer=user)
        .select_related("test", "entered_by")
        .order_by("test__order", "test__code", "taken_at", "id")
    )
    return [
        Table(
            "profile",
            [
                {
                    "version": profile.version,
                    "onboarding_step": profile.onboarding_step,
                    "onboarded_at": profile.onboarded_at,
                    "updated_at": profile.updated_at,
                }
            ]
            if profile is not None
            else [],
            columns=("version", "onboarding_step", "onboarded_at", "updated_at"),
        ),
        Table(
            "profile-values",
            [
                {
                    "key": v.attribute.key,
                    "label": v.attribute.label(user.locale),
                    "value": _value(v.value),
                    "unit": v.attribute.unit,
                    "audience": v.audience,
                    "retired": v.attribute.retired_at is not None,
                    "updated_at": v.updated_at,
                    "updated_by": _name(v.updated_by),
                }
                for v in values
            ],
            columns=(
                "key",
                "label",
                "value",
                "unit",
                "audience",
                "retired",
                "updated_at",
                "updated_by",
            ),
        ),
        Table(
            "profile-history",
            [
                {
                    "key": c.attribute.key,
                    "old_value": _value(c.old_value),
                    "new_value": _value(c.new_value),
                    "old_audience": c.old_audience,
                    "new_audience": c.new_audience,
                    "changed_at": c.changed_at,
                    "changed_by": _name(c.changed_by),
                }
                for c in history
            ],
            columns=(
                "key",
                "old_value",
                "new_value",
                "old_audience",
                "new_audience",
                "changed_at",
                "changed_by",
            ),
        ),
        Table(
            "results",
            [
                {
                    "id": r.pk,
                    "test": r.test.code,
                    "test_name": r.test.name(user.locale),
                    "loinc": r.test.loinc,
                    "value": r.value,
                    "unit": r.test.unit,
                    "entered_value": r.entered_value,
                    "entered_unit": r.entered_unit,
                    "taken_at": r.taken_at,
                    "recorded_at": r.recorded_at,
                    "source": r.source,
                    "entered_by": _name(r.entered_by),
                    "note": r.note,
                    "interpretation": r.interpretation,
                    "replaces": r.replaces_id,
                    "reason": r.reason,
                    "superseded_at": r.superseded_at,
                }
                for r in results
            ],
            columns=(
                "id",
                "test",
                "test_name",
                "loinc",
                "value",
                "unit",
                "entered_value",
                "entered_unit",
                "taken_at",
                "recorded_at",
                "source",
                "entered_by",
                "note",
                "interpretation",
                "replaces",
                "reason",
                "superseded_at",
            ),
        ),
        Table(
            "test-audiences",
            [
                {"test": a.test.code, "audience": a.audience}
                for a in TestAudience.objects.filter(customer=user)
                .select_related("test")
                .order_by("test__code")
            ],
            columns=("test", "audience"),
        ),
        Table(
            "consents",
            [
                {
                    "purpose": c.purpose,
                    "version": c.version,
                    "granted_at": c.granted_at,
                    "withdrawn_at": c.withdrawn_at,
                }
                for c in Consent.objects.filter(customer=user).order_by("granted_at", "id")
            ],
            columns=("purpose", "version", "granted_at", "withdrawn_at"),
        ),
        Table(
            "downloads",
            [
                {
                    "id": e.pk,
                    "status": e.status,
                    "created_at": e.created_at,
                    "finished_at": e.finished_at,
                    "expires_at": e.expires_at,
                }
                for e in DataExport.objects.filter(customer=user).order_by("created_at", "id")
            ],
            columns=("id", "status", "created_at", "finished_at", "expires_at"),
        ),
    ]


def erase_profile(user: User) -> None:
    """Every row of the member's record goes; the download files once the erasure
    commits (a file removed before a rollback could not come back)."""
    files = list(DataExport.objects.filter(customer=user).values_list("file_name", flat=True))
    DataExport.objects.filter(customer=user).delete()
    ProfileChange.objects.filter(customer=user).delete()
    ProfileValue.objects.filter(customer=user).delete()
    Profile.objects.filter(customer=user).delete()
    # A correction protects the result it replaces: unlink the chain, then all go at once.
    Result.objects.filter(customer=user, replaces__isnull=False).update(replaces=None)
    Result.objects.filter(customer=user).delete()
    TestAudience.objects.filter(customer=user).delete()
    Consent.objects.filter(customer=user).delete()
    transaction.on_commit(lambda: exports.remove_files(files), robust=True)


register(
    "profiles",
    models=(
        "profiles.Profile",
        "profiles.ProfileValue",
        "profiles.ProfileChange",
        "profiles.TestAudience",
        "profiles.Result",
        "profiles.Consent",
        "profiles.DataExport",
    ),
    export=export_profile,
    erase=erase_profile,
    keeps="nothing of the member's own record; rows of others' records they entered keep "
    "their id (entered_by, updated_by, changed_by), shown as the erased name",
)
