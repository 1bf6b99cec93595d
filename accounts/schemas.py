from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, field_validator, model_validator

from accounts.audit import role_label, shown_actor
from accounts.models import AccessAuditEntry, User
from accounts.regions import region_change_allowed_from
from core.errors import ServiceError
from core.text import json_problem


class Input(Schema):
    """Client input: unknown fields are refused, and no text may hold NUL characters."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def no_nul_characters(cls, value: object) -> object:
        problem = json_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


class Patch(Input):
    """A change (PATCH): a field left out keeps what it is. ``null`` is taken only for the
    fields named in ``clearable`` (those that may be empty); for any other it is a 400
    naming the field, so it never reaches a column that cannot be null. The fields are
    typed ``X | None`` so that they may be left out."""

    clearable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def no_null_for_what_cannot_be_empty(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None and name in cls.model_fields and name not in cls.clearable:
                    # A ServiceError, not a ValueError: it passes through validation and
                    # is answered as every refusal naming a field is (400, ``field``).
                    raise ServiceError(
                        f"{name} cannot be null: leave it out to keep what it is",
                        code="invalid_field",
                        field=name,
                    )
        return data


class ConsentAnswersIn(Input):
    """An explicit answer to each consent question (``accounts.signals.SIGN_UP_CONSENTS``):
    true or false, never left out (health data needs explicit consent)."""

    care: StrictBool = Field(description="care by my care team (sees my health data)")
    analytics: StrictBool = Field(description="anonymised analytics")
    marketing: StrictBool = Field(description="newsletters and offers")


class SignUpIn(Input):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    display_name: str = Field(max_length=80)
    locale: str | None = Field(default=None, max_length=16)
    region: str | None = Field(default=None, max_length=16)
    time_zone: str | None = Field(default=None, max_length=64)
    consents: ConsentAnswersIn


class CredentialsIn(Input):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class RefreshIn(Input):
    refresh_token: str = Field(max_length=4096)


class PasswordChangeIn(Input):
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class ProfilePatchIn(Input):
    display_name: str | None = Field(default=None, max_length=80)
    locale: str | None = Field(default=None, max_length=16)
    region: str | None = Field(default=None, max_length=16)
    time_zone: str | None = Field(default=None, max_length=64)
    email_message_text: bool | None = None


class RoleIn(Input):
    role: str = Field(max_length=20)


class RegionIn(Input):
    region: str = Field(max_length=16, description="e.g. 'ca-on'; blank: no region")


class RegionOut(Schema):
    code: str
    label: str


class UserOut(Schema):
    id: int
    email: str | None
    email_verified: bool
    email_verified_at: datetime | None
    display_name: str
    role: str
    locale: str
    region: str
    time_zone: str
    email_message_text: bool
    is_active: bool
    date_joined: datetime
    # When the member may choose another region (null: now); see REGION_CHANGE_DAYS.
    region_change_allowed_from: datetime | None

    @staticmethod
    def resolve_email_verified(user: User) -> bool:
        return user.email_verified_at is not None

    @staticmethod
    def resolve_region_change_allowed_from(user: User) -> datetime | None:
        return region_change_allowed_from(user)


class SignUpOut(Schema):
    """The same for every address: whether it was new or registered is not told."""

    email: str
    message: str


class VerifyEmailIn(Input):
    token: str = Field(max_length=1024)


class ResendIn(Input):
    email: str = Field(max_length=254)


class VerifiedOut(Schema):
    email: str | None
    email_verified_at: datetime | None


class MessageOut(Schema):
    message: str


class TokenPairOut(Schema):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class AccessTokenOut(Schema):
    access_token: str
    token_type: str
    expires_in: int


class CsrfOut(Schema):
    csrf_token: str


class AuditEntryOut(Schema):
    """An entry of the access audit log, for admins."""

    at: datetime
    actor_id: int | None
    actor_label: str
    actor_role: str
    subject_id: int | None
    subject_label: str
    action: str
    resource: str
    door: str


class AuditPageOut(Schema):
    items: list[AuditEntryOut]
    count: int


class MyAccessOut(Schema):
    """An entry about me: who (by role and display name, never e-mail) did what, where."""

    at: datetime
    actor_role: str
    actor_name: str
    actor_label: str
    action: str
    resource: str
    door: str

    @staticmethod
    def resolve_actor_role(entry: AccessAuditEntry) -> str:
        return shown_actor(entry)[0]

    @staticmethod
    def resolve_actor_name(entry: AccessAuditEntry) -> str:
        return shown_actor(entry)[1]

    @staticmethod
    def resolve_actor_label(entry: AccessAuditEntry) -> str:
        role, name = shown_actor(entry)
        return f"{name} ({role_label(role)})" if role else name


class UserPageOut(Schema):
    items: list[UserOut]
    count: int
