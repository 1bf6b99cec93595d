"""Consent and onboarding over HTTP (thin: the rules are in ``profiles.consents`` and
``profiles.onboarding``). Mounted at ``/api/`` beside ``profiles.api``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Path, Router, Schema, Status
from pydantic import Field

from accounts.permissions import signed_in_user
from accounts.schemas import ConsentAnswersIn, Input
from profiles import consents, onboarding

router = Router(tags=["consent and onboarding"])


class ConsentTextOut(Schema):
    purpose: str
    label: str
    version: str
    text: str


class ConsentHistoryOut(Schema):
    version: str
    granted_at: datetime
    withdrawn_at: datetime | None


class ConsentOut(ConsentTextOut):
    granted: bool
    granted_at: datetime | None
    # The version of the text the standing consent was given to: when it differs from
    # ``version``, the text changed since (the consent still counts; review it).
    agreed_version: str | None
    withdrawn_at: datetime | None
    history: list[ConsentHistoryOut]


class GrantIn(Input):
    version: str = Field(max_length=16, description="the version of the text agreed to")


class StepOut(Schema):
    key: str
    label: str
    done: bool
    optional: bool


class OnboardingOut(Schema):
    step: str = Field(description="the first step not done: consent, basics, measurements, "
                      "dietitian, or done")  # fmt: skip
    steps: list[StepOut]
    missing: list[str] = Field(description="required attributes without a value yet")
    done: bool
    onboarded_at: datetime | None


class StepIn(Input):
    # The consent step: an explicit answer to each purpose.
    consents: ConsentAnswersIn | None = None


PurposePath = Path(..., max_length=16)


@router.get("/consents/texts", auth=None, response=list[ConsentTextOut])
def consent_texts(request: HttpRequest) -> list[dict[str, str]]:
    """The current text of each purpose's consent, with its version."""
    return consents.texts()


@router.get("/me/consents", response=list[ConsentOut], tags=["me"])
def my_consents(request: HttpRequest) -> list[dict[str, Any]]:
    return consents.consents_of(signed_in_user(request))


@router.post("/me/consents/{purpose}", response=ConsentOut, tags=["me"])
def grant(request: HttpRequest, payload: GrantIn, purpose: str = PurposePath) -> dict[str, Any]:
    """Consent to the current ``version`` of the purpose's text (409 ``stale_text`` for
    another version)."""
    user = signed_in_user(request)
    consents.grant(user, purpose, payload.version)
    return next(c for c in consents.consents_of(user) if c["purpose"] == purpose)


@router.delete("/me/consents/{purpose}", response={204: None}, tags=["me"])
def withdraw(request: HttpRequest, purpose: str = PurposePath) -> Status[None]:
    """Withdraw, at once (nothing happens if no consent stands)."""
    consents.withdraw(signed_in_user(request), purpose)
    return Status(204, None)


@router.get("/me/onboarding", response=OnboardingOut, tags=["me"])
def my_onboarding(request: HttpRequest) -> dict[str, Any]:
    return onboarding.state(signed_in_user(request))


@router.post("/me/onboarding/skip", response=OnboardingOut, tags=["me"])
def skip_step(request: HttpRequest) -> dict[str, Any]:
    """Pass the current step without doing it (measurements and dietitian only)."""
    return onboarding.skip(signed_in_user(request))


@router.post("/me/onboarding/{step}", response=OnboardingOut, tags=["me"])
def complete_step(
    request: HttpRequest, payload: StepIn | None = None, step: str = Path(..., max_length=20)
) -> dict[str, Any]:
    """Mark a step done when its requirements are met (400 naming what is missing); the
    consent step takes ``consents`` (each purpose answered true or false)."""
    answers = payload.consents.model_dump() if payload and payload.consents else None
    return onboarding.complete(signed_in_user(request), step, consent_answers=answers)
