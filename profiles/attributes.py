"""The attributes a profile has, as admins define them: their shape for members (labels
in the member's locale), and the admins' create, change and retire.

A definition is checked against ``profiles.definitions.DEFINITION_SCHEMA`` on every door (the
API, the Django admin). A retired attribute is no longer asked for or accepted; its
values are kept and shown to their customer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from profiles.definitions import check_definition
from profiles.models import Attribute, Audience, ProfileValue, localized

# The sections of the profile page, in their order. An attribute in a section not named
# here comes after them, under its key.
SECTIONS: dict[str, dict[str, str]] = {
    "basics": {"en": "Basics", "fr": "L'essentiel"},
    "health": {"en": "Health", "fr": "Santé"},
    "lifestyle": {"en": "Lifestyle", "fr": "Mode de vie"},
    "about": {"en": "Me in the community", "fr": "Moi dans la communauté"},
}

# What a definition holds, as an admin enters it (``DEFINITION_SCHEMA``'s properties).
DEFINITION_FIELDS = (
    "key",
    "labels",
    "help_texts",
    "kind",
    "unit",
    "required",
    "minimum",
    "maximum",
    "pattern",
    "allow_future",
    "options",
    "section",
    "order",
    "display_field",
    "default_audience",
)


def section_label(section: str, locale: str = "en") -> str:
    return localized(SECTIONS.get(section), locale) or section.replace("_", " ").capitalize()


def page_order(attributes: Iterable[Attribute]) -> list[Attribute]:
    """Attributes in the order of the profile page: by section, then their order."""
    sections = list(SECTIONS)

    def place(a: Attribute) -> tuple[int, str, int, str]:
        known = a.section in SECTIONS
        return (sections.index(a.section) if known else len(sections), a.section, a.order, a.key)

    return sorted(attributes, key=place)


def all_attributes() -> list[Attribute]:
    """Every attribute, retired ones too, in page order (a small table: read whole)."""
    return page_order(Attribute.objects.all())


def active_attributes() -> list[Attribute]:
    return [a for a in all_attributes() if a.retired_at is None]


def effective_audience(attribute: Attribute, audience: str | None) -> str:
    """The audience that applies: the customer's choice, else the attribute's default;
    ``community`` counts only on display fields (else it is the care team)."""
    chosen = audience or attribute.default_audience
    if chosen == Audience.COMMUNITY and not attribute.display_field:
        return Audience.CARE_TEAM
    return chosen


def option_label(attribute: Attribute, value: object, locale: str = "en") -> str:
    for option in attribute.options:
        if isinstance(option, dict) and option.get("value") == value:
            return localized(option.get("labels"), locale) or str(value)
    return str(value)


def value_text(attribute: Attribute, value: Any, locale: str = "en") -> str:
    """A value as words ("Vegan", "Peanuts, Sesame", "7.5 h", "Yes")."""
    if value is None:
        return ""
    if attribute.kind == Attribute.Kind.CHOICE:
        return option_label(attribute, value, locale)
    if attribute.kind == Attribute.Kind.MULTI_CHOICE and isinstance(value, list):
        return ", ".join(option_label(attribute, item, locale) for item in value)
    if attribute.kind == Attribute.Kind.BOOLEAN:
        return "Yes" if value else "No"
    if attribute.kind == Attribute.Kind.NUMBER and attribute.unit:
        return f"{value} {attribute.unit}"
    return str(value)


def definition(attribute: Attribute) -> dict[str, Any]:
    """The definition as an admin enters it (what ``check_definition`` checks)."""
    return {name: getattr(attribute, name) for name in DEFINITION_FIELDS}


def attribute_shape(attribute: Attribute, locale: str = "en") -> dict[str, Any]:
    """An attribute for members: its definition, with labels in ``locale``."""
    return {
        "key": attribute.key,
        "label": attribute.label(locale),
        "help": localized(attribute.help_texts, locale),
        "kind": attribute.kind,
        "unit": attribute.unit,
        "section": attribute.section,
        "section_label": section_label(attribute.section, locale),
        "order": attribute.order,
        "required": attribute.required,
        "display_field": attribute.display_field,
        "default_audience": attribute.default_audience,
        "minimum": attribute.minimum,
        "maximum": attribute.maximum,
        "pattern": attribute.pattern,
        "allow_future": attribute.allow_future,
        "options": [
            {"value": o.get("value"), "label": localized(o.get("labels"), locale)}
            for o in attribute.options
            if isinstance(o, dict)
        ],
        "labels": attribute.labels,
        "help_texts": attribute.help_texts,
        "retired": attribute.retired_at is not None,
    }


# --- admins define them -----------------------------------------------------------------


def check_can_define(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("admins define the profile's fields")


def _defaults(data: dict[str, Any]) -> dict[str, Any]:
    """A new definition: what the admin left out takes the model's defaults."""
    blank = Attribute()
    full = {name: getattr(blank, name) for name in DEFINITION_FIELDS}
    full.update(data)
    return full


def create_attribute(actor: User, data: dict[str, Any]) -> Attribute:
    check_can_define(actor)
    full = _defaults(data)
    check_definition(full)
    try:
        with transaction.atomic():
            return Attribute.objects.create(**full)
    except IntegrityError:
        raise Conflict(f"there is a field {full['key']!r} already", code="key_taken") from None


def check_change(attribute: Attribute, changes: dict[str, Any]) -> dict[str, Any]:
    """The definition ``attribute`` would have with ``changes``, checked; its key never
    changes, and its kind only while nobody has given it a value (stored values would no
    longer fit)."""
    if "key" in changes and changes["key"] != attribute.key:
        raise ServiceError(
            "a field's key does not change: retire it and make a new one",
            code="invalid_definition",
            field="key",
        )
    if (
        "kind" in changes
        and changes["kind"] != attribute.kind
        and ProfileValue.objects.filter(attribute=attribute, value__isnull=False).exists()
    ):
        raise ServiceError(
            "members have given this field values, so its kind cannot change: retire it "
            "and make a new one",
            code="invalid_definition",
            field="kind",
        )
    full = {**definition(attribute), **changes}
    check_definition(full)
    return full


def update_attribute(actor: User, key: str, changes: dict[str, Any]) -> Attribute:
    check_can_define(actor)
    with transaction.atomic():
        attribute = Attribute.objects.select_for_update().filter(key=key).first()
        if attribute is None:
            raise NotFound("no such field")
        full = check_change(attribute, changes)
        for name, value in full.items():
            setattr(attribute, name, value)
        attribute.save()
    return attribute


def retire_attribute(actor: User, key: str) -> Attribute:
    """No longer asked for or accepted; the values stay, shown to their customers only."""
    check_can_define(actor)
    attribute = Attribute.objects.filter(key=key).first()
    if attribute is None:
        raise NotFound("no such field")
    if attribute.retired_at is None:
        attribute.retired_at = timezone.now()
        attribute.save(update_fields=["retired_at"])
    return attribute
