"""Every model that points at a member is covered by a registration of personal data
(accounts.personal_data): an app that adds one without saying how it is exported and
erased fails here."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from accounts.personal_data import covered_models, exporters, registrations

ROOT = Path(__file__).resolve().parents[2]


def first_party_apps() -> list[str]:
    """The installed apps whose code is in this repository (not Django's, not a package)."""
    return [
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and ".venv" not in Path(config.path).parts
    ]


def points_at_members(model: type[models.Model]) -> bool:
    user_model = get_user_model()
    return any(
        isinstance(field, models.ForeignKey) and field.related_model is user_model
        for field in model._meta.get_fields()
        if field.concrete
    )


def test_every_model_pointing_at_a_member_is_exported_and_erased_by_a_registration():
    labels = first_party_apps()
    assert {"accounts", "realtime", "notifications", "profiles", "advice", "community"} <= set(
        labels
    )
    covered = covered_models()
    missing = [
        model._meta.label
        for label in labels
        for model in apps.get_app_config(label).get_models()
        if points_at_members(model) and model._meta.label_lower not in covered
    ]
    assert missing == [], (
        "models with a ForeignKey or OneToOneField to the user that no registration in "
        f"accounts.personal_data covers (say how each is exported and erased): {missing}"
    )


def test_every_registration_names_real_models_and_does_something():
    known = {m._meta.label_lower for m in apps.get_models()}
    for registration in registrations():
        assert {m.lower() for m in registration.models} <= known, registration.name
        assert registration.export is not None or registration.erase is not None
    names = {r.name for r in exporters()}
    assert {"accounts", "profiles", "advice", "notifications", "events"} <= names
    assert {"community.forum", "community.messaging", "community.surveys"} <= names
