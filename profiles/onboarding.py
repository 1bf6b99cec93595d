"""Onboarding: the steps a new customer goes through after signing up (locally or through
Cognito), in order: consent (an explicit answer to each purpose), basics (region, locale
and time zone on the account, and the profile attributes required at onboarding),
measurements (optional: a first result), dietitian (optional: ask a dietitian to take
them on), then done.

``Profile.onboarding_step`` is the first step not done yet; ``onboarded_at`` is set when
the last one is. A step is done when its requirements are met (``complete``), an
optional one also by skipping it (``skip``). Sign-up answers the consent questions, so a
local account starts at basics; a Cognito account, which no sign-up form asked, at
consent (``start``, from ``accounts.signals.signed_up``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.signals import signed_up
from core.errors import Conflict, Forbidden, ServiceError
from profiles.access import care_team_of
from profiles.consents import record_answers
from profiles.models import Attribute, Profile, ProfileValue, Result

STEPS = ("consent", "basics", "measurements", "dietitian", "done")
LABELS = {
    "consent": "Your consent",
    "basics": "About you",
    "measurements": "First measurements",
    "dietitian": "Your dietitian",
}
OPTIONAL = frozenset({"measurements", "dietitian"})


def check_customer(user: User) -> None:
    if user.role != Role.CUSTOMER:
        raise Forbidden("onboarding is for customers")


def missing_attributes(user: User) -> list[str]:
    """The keys of the attributes required at onboarding (not retired) that ``user`` has
    no value for yet, in the order they are shown."""
    required = list(
        Attribute.objects.filter(required=True, retired_at__isnull=True).values_list(
            "key", flat=True
        )
    )
    given = {
        key
        for key, value in ProfileValue.objects.filter(
            customer=user, attribute__key__in=required
        ).values_list("attribute__key", "value")
        if value not in (None, "", [])
    }
    return [key for key in required if key not in given]


def _profile(user: User) -> Profile:
    """The customer's profile, locked for the change."""
    Profile.objects.get_or_create(customer=user)
    return Profile.objects.select_for_update().get(customer=user)


def state(user: User) -> dict[str, Any]:
    """Where ``user``'s onboarding stands: ``{step, steps: [{key, label, done}], missing,
    done}`` (``missing``: required attributes without a value)."""
    check_customer(user)
    profile = Profile.objects.filter(customer=user).first() or Profile(customer=user)
    current = STEPS.index(profile.onboarding_step) if profile.onboarding_step in STEPS else 0
    return {
        "step": STEPS[current],
        "steps": [
            {"key": key, "label": LABELS[key], "done": i < current, "optional": key in OPTIONAL}
            for i, key in enumerate(STEPS[:-1])
        ],
        "missing": missing_attributes(user),
        "done": profile.onboarded_at is not None,
        "onboarded_at": profile.onboarded_at,
    }


def _advance(profile: Profile, step: str) -> None:
    """``step`` is done: move to the next one when it was the current one."""
    if profile.onboarding_step != step:
        return
    profile.onboarding_step = STEPS[STEPS.index(step) + 1]
    if profile.onboarding_step == "done":
        profile.onboarded_at = timezone.now()
    profile.save(update_fields=["onboarding_step", "onboarded_at"])


def _check_reached(profile: Profile, step: str) -> None:
    if step not in STEPS[:-1]:
        raise ServiceError(
            f"no onboarding step '{step}' (steps: {', '.join(STEPS[:-1])})",
            code="invalid_field",
            field="step",
        )
    current = profile.onboarding_step if profile.onboarding_step in STEPS else "consent"
    if STEPS.index(step) > STEPS.index(current):
        raise Conflict(f"finish the step '{current}' first", code="step_not_reached", field="step")


def complete(
    user: User, step: str, *, consent_answers: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Mark ``step`` done if its requirements are met (400 naming what is missing). A step
    done before may be done again (new consent answers are recorded); one after the
    current step is refused (409 ``step_not_reached``)."""
    check_customer(user)
    with transaction.atomic():
        profile = _profile(user)
        _check_reached(profile, step)
        if step == "consent":
            record_answers(user, consent_answers)
        elif step == "basics":
            missing = missing_attributes(user)
            if missing:
                raise ServiceError(
                    "fill in: " + ", ".join(missing), code="missing", field=f"values.{missing[0]}"
                )
        elif step == "measurements":
            if not Result.objects.filter(customer=user, superseded_at__isnull=True).exists():
                raise ServiceError(
                    "enter a first measurement, or skip this step",
                    code="missing",
                    field="measurements",
                )
        elif step == "dietitian" and not care_team_of(user.pk):
            raise ServiceError(
                "ask a dietitian to take you on, or skip this step",
                code="missing",
                field="dietitian",
            )
        _advance(profile, step)
    return state(user)


def skip(user: User) -> dict[str, Any]:
    """Pass the current step without doing it, if it is optional."""
    check_customer(user)
    with transaction.atomic():
        profile = _profile(user)
        if profile.onboarding_step not in OPTIONAL:
            raise ServiceError(
                f"the step '{profile.onboarding_step}' cannot be skipped",
                code="not_optional",
                field="step",
            )
        _advance(profile, profile.onboarding_step)
    return state(user)


def note_dietitian_asked(user: User) -> None:
    """A customer asked a dietitian to take them on: the dietitian step is done if it is
    the current one (``advice`` calls this when the request is made)."""
    profile = Profile.objects.select_for_update().filter(customer=user).first()
    if profile is not None:
        _advance(profile, "dietitian")


# The step of a profile made other than at sign-up: onboarding never started.
NOT_STARTED = ""


def needs_onboarding(user: User) -> bool:
    """Whether ``user`` is a customer who started onboarding and has not finished it.
    Onboarding starts at sign-up (``start``); accounts made otherwise (before onboarding
    existed, by staff, the demo) have no step, even once they have a profile, and are not
    sent."""
    return (
        user.role == Role.CUSTOMER
        and Profile.objects.filter(customer=user, onboarded_at__isnull=True)
        .exclude(onboarding_step=NOT_STARTED)
        .exists()
    )


@receiver(signed_up)
def start(sender: Any, user: User, consents: Mapping[str, Any] | None, **kwargs: Any) -> None:
    """A new account: its consent answers are recorded, and a customer's onboarding starts
    (at basics when sign-up asked for consent, else at consent)."""
    answered = consents is not None
    if answered:
        record_answers(user, consents)
    if user.role == Role.CUSTOMER:
        Profile.objects.get_or_create(
            customer=user, defaults={"onboarding_step": "basics" if answered else "consent"}
        )
