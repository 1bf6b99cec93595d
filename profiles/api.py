"""The HTTP doors of profiles and health records (thin: every rule is in the services)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from accounts.bounds import MAX_ID
from accounts.permissions import signed_in_user
from accounts.schemas import Input
from core.http import private_no_store
from profiles import attributes, values
from profiles.schema import values_schema

router = Router(tags=["profiles"])
# Profiles are personal data: no cache keeps an answer (errors included).
router.add_decorator(private_no_store, mode="view")

Key = Annotated[str, StringConstraints(max_length=40)]
Locale = Query("", max_length=16, description="e.g. fr; the member's own locale if blank")
KeyPath = Path(..., pattern=r"^[a-z][a-z0-9_]{0,39}$", description="an attribute's key")


# --- attributes ---------------------------------------------------------------------------


class OptionOut(Schema):
    value: str
    label: str


class AttributeOut(Schema):
    key: str
    label: str
    help: str
    kind: str
    unit: str
    section: str
    section_label: str
    order: int
    required: bool
    display_field: bool
    default_audience: str
    minimum: float | None
    maximum: float | None
    pattern: str
    allow_future: bool
    options: list[OptionOut]
    labels: dict[str, str] = Field(description="the label in every locale (for admins)")
    help_texts: dict[str, str]
    retired: bool


class OptionIn(Input):
    value: str = Field(max_length=40)
    labels: dict[Key, Annotated[str, StringConstraints(max_length=120)]]


class DefinitionIn(Input):
    """An attribute's definition; every rule is checked against ``DEFINITION_SCHEMA``
    (``docs/profiles.md``). On a change, what is left out stays as it is."""

    key: str | None = Field(default=None, max_length=40)
    labels: dict[Key, Annotated[str, StringConstraints(max_length=120)]] | None = None
    help_texts: dict[Key, Annotated[str, StringConstraints(max_length=500)]] | None = None
    kind: str | None = Field(default=None, max_length=16)
    unit: str | None = Field(default=None, max_length=32)
    required: bool | None = None
    minimum: float | None = Field(default=None, allow_inf_nan=False, ge=-1e12, le=1e12)
    maximum: float | None = Field(default=None, allow_inf_nan=False, ge=-1e12, le=1e12)
    pattern: str | None = Field(default=None, max_length=200)
    allow_future: bool | None = None
    options: list[OptionIn] | None = Field(default=None, max_length=100)
    section: str | None = Field(default=None, max_length=40)
    order: int | None = Field(default=None, ge=0, le=32767)
    display_field: bool | None = None
    default_audience: str | None = Field(default=None, max_length=16)


def _definition(payload: DefinitionIn) -> dict[str, Any]:
    """What the admin sent: absent fields left out; ``minimum``/``maximum`` may be null."""
    data = payload.model_dump(exclude_unset=True)
    return {k: v for k, v in data.items() if v is not None or k in ("minimum", "maximum")}


def _locale(request: HttpRequest, locale: str) -> str:
    return locale or signed_in_user(request).locale


@router.get("/profile/attributes", response=list[AttributeOut])
def list_attributes(
    request: HttpRequest, locale: str = Locale, retired: bool = False
) -> list[dict[str, Any]]:
    """The profile's fields, in page order (with ``retired=true``, retired ones too)."""
    locale = _locale(request, locale)
    found = attributes.all_attributes() if retired else attributes.active_attributes()
    return [attributes.attribute_shape(a, locale) for a in found]


@router.get("/profile/schema", response=dict[str, Any])
def schema(request: HttpRequest, locale: str = Locale) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) profile values are checked against."""
    return values_schema(attributes.active_attributes(), _locale(request, locale))


@router.post("/profile/attributes", response={201: AttributeOut})
def create_attribute(request: HttpRequest, payload: DefinitionIn) -> Status[dict[str, Any]]:
    """Admins: a new field of the profile."""
    user = signed_in_user(request)
    made = attributes.create_attribute(user, _definition(payload))
    return Status(201, attributes.attribute_shape(made, user.locale))


@router.patch("/profile/attributes/{key}", response=AttributeOut)
def update_attribute(
    request: HttpRequest, payload: DefinitionIn, key: str = KeyPath
) -> dict[str, Any]:
    """Admins: change a field (its key never; its kind only while it has no values)."""
    user = signed_in_user(request)
    changed = attributes.update_attribute(user, key, _definition(payload))
    return attributes.attribute_shape(changed, user.locale)


@router.post("/profile/attributes/{key}/retire", response=AttributeOut)
def retire_attribute(request: HttpRequest, key: str = KeyPath) -> dict[str, Any]:
    """Admins: no longer asked for or accepted; the values are kept."""
    user = signed_in_user(request)
    return attributes.attribute_shape(attributes.retire_attribute(user, key), user.locale)


# --- a customer's profile -------------------------------------------------------------------


class Person(Schema):
    id: int
    name: str


class FieldOut(AttributeOut):
    value: Any = Field(description="null: not given")
    audience: str = Field(description="only_me, care_team or community")
    updated_at: datetime | None


class ProfileOut(Schema):
    customer: Person
    version: int
    onboarding_step: str
    onboarded_at: datetime | None
    fields: list[FieldOut]


class ProfilePatchIn(Input):
    version: int = Field(ge=0, le=2**31, description="the version the change was made from")
    values: dict[Key, Any] = Field(default_factory=dict, max_length=200)
    audiences: dict[Key, Annotated[str, StringConstraints(max_length=16)]] = Field(
        default_factory=dict, max_length=200
    )


class ConflictOut(Schema):
    code: str
    message: str
    current_version: int


@router.get("/customers/{customer_id}/profile", response=ProfileOut)
def read_profile(request: HttpRequest, customer_id: int, locale: str = Locale) -> dict[str, Any]:
    """The customer: every field. A professional of their care team (with consent to
    care): the fields shared with the care team (in the customer's access log). Anybody
    else: 404."""
    return values.read_profile(signed_in_user(request), customer_id, locale=locale or None)


@router.patch("/customers/{customer_id}/profile", response={200: ProfileOut, 409: ConflictOut})
def update_profile(
    request: HttpRequest, customer_id: int, payload: ProfilePatchIn, locale: str = Locale
) -> Any:
    """The customer only: values (null clears one) and audiences, from ``version``; 409
    ``edit_conflict`` with ``current_version`` when another change came first."""
    try:
        return values.update_profile(
            signed_in_user(request),
            customer_id,
            version=payload.version,
            values=payload.values,
            audiences=payload.audiences,
            locale=locale or None,
        )
    except values.EditConflict as conflict:
        return Status(
            409,
            {
                "code": conflict.code,
                "message": conflict.message,
                "current_version": conflict.current_version,
            },
        )


class ChangeOut(Schema):
    id: int
    key: str
    label: str
    kind: str
    changed_at: datetime
    changed_by: Person | None
    old_value: Any
    new_value: Any
    old_audience: str
    new_audience: str


class HistoryOut(Schema):
    items: list[ChangeOut]
    next_cursor: int | None


@router.get("/customers/{customer_id}/profile/history", response=HistoryOut)
def profile_history(
    request: HttpRequest,
    customer_id: int,
    cursor: int | None = Query(None, ge=1, le=MAX_ID),
    locale: str = Locale,
) -> dict[str, Any]:
    """The customer only: every change of a value or an audience, newest first."""
    return values.history(
        signed_in_user(request), customer_id, cursor=cursor, locale=locale or None
    )
