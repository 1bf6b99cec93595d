"""The JSON Schema (draft 2020-12) an attribute definition is checked against: what an
admin enters, on the API and in the Django admin alike (``check_definition``).

Two rules draft 2020-12 lacks are keywords of our own, added with
``jsonschema.validators.extend``: option values are unique (``uniqueBy``) and the minimum
is not above the maximum (``notAbove``). Errors name the field (``options.2.value``).
The schema of profile values, generated from these definitions, is in
``profiles.schema``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from core.errors import ServiceError
from profiles.models import Attribute, Audience
from profiles.schema import DRAFT, FINITE_NUMBERS, FORMATS, plain_number

Kind = Attribute.Kind
DEFINITION_ID = "urn:edietitian:profile:attribute-definition"


def _texts(max_length: int, *, english: bool) -> dict[str, Any]:
    texts: dict[str, Any] = {
        "type": "object",
        "propertyNames": {"pattern": r"^[a-z]{2}(-[A-Z]{2})?$"},
        "additionalProperties": {"type": "string", "minLength": 1, "maxLength": max_length},
        "maxProperties": 20,
    }
    if english:
        texts["required"] = ["en"]
        texts["x-message"] = "give at least an English text (en)"
    return texts


def _when_kind(kinds: list[str], *, otherwise: dict[str, Any]) -> dict[str, Any]:
    """Unless the kind is one of ``kinds``, the properties hold to ``otherwise``."""
    return {"if": {"properties": {"kind": {"enum": kinds}}}, "else": {"properties": otherwise}}


_NO_BOUND = {"type": "null", "x-message": "this kind of field has no minimum or maximum"}
_COUNT = {
    "type": ["integer", "null"],
    "minimum": 0,
    "maximum": 100_000,
    "x-message": "a length or a count is a whole number from 0",
}

DEFINITION_SCHEMA: dict[str, Any] = {
    "$schema": DRAFT,
    "$id": DEFINITION_ID,
    "title": "A profile attribute, as an admin defines it",
    "type": "object",
    "required": ["key", "labels", "kind"],
    "additionalProperties": False,
    "properties": {
        "key": {
            "type": "string",
            "pattern": r"^[a-z][a-z0-9_]{1,39}$",
            "x-message": "a key is 2 to 40 small letters, digits or _, starting with a letter",
        },
        "labels": _texts(120, english=True),
        "help_texts": _texts(500, english=False),
        "kind": {"enum": list(Kind.values), "x-message": "unknown kind of field"},
        "unit": {"type": "string", "maxLength": 32},
        "required": {"type": "boolean"},
        "minimum": {"type": ["number", "null"]},
        "maximum": {"type": ["number", "null"]},
        "pattern": {
            "type": "string",
            "maxLength": 200,
            "format": "regex",
            "x-message": "the pattern is not a regular expression that compiles",
        },
        "allow_future": {"type": "boolean"},
        "options": {
            "type": "array",
            "maxItems": 100,
            "items": {
                "type": "object",
                "required": ["value", "labels"],
                "additionalProperties": False,
                "properties": {
                    "value": {
                        "type": "string",
                        "pattern": r"^[a-z0-9_]{1,40}$",
                        "x-message": "an option's value is 1 to 40 small letters, digits or _",
                    },
                    "labels": _texts(120, english=True),
                },
            },
            "uniqueBy": "value",
        },
        "section": {
            "type": "string",
            "pattern": r"^[a-z][a-z0-9_]{1,39}$",
            "x-message": "a section is 2 to 40 small letters, digits or _",
        },
        "order": {"type": "integer", "minimum": 0, "maximum": 32767},
        "display_field": {"type": "boolean"},
        "default_audience": {"enum": list(Audience.values)},
    },
    "notAbove": ["minimum", "maximum"],
    "allOf": [
        _when_kind(
            [Kind.NUMBER],
            otherwise={"unit": {"const": "", "x-message": "only numbers have a unit"}},
        ),
        _when_kind(
            [Kind.TEXT],
            otherwise={"pattern": {"const": "", "x-message": "only text fields have a pattern"}},
        ),
        _when_kind(
            [Kind.DATE],
            otherwise={
                "allow_future": {"const": False, "x-message": "only dates may allow the future"}
            },
        ),
        _when_kind(
            [Kind.TEXT, Kind.CHOICE],
            otherwise={
                "display_field": {
                    "const": False,
                    "x-message": "only text and single-choice fields may be shown on the "
                    "community profile",
                }
            },
        ),
        _when_kind(
            [Kind.CHOICE, Kind.MULTI_CHOICE],
            otherwise={"options": {"maxItems": 0, "x-message": "only choices have options"}},
        ),
        {
            "if": {"properties": {"kind": {"enum": [Kind.CHOICE, Kind.MULTI_CHOICE]}}},
            "then": {
                "required": ["options"],
                "x-message": "a choice needs its options",
                "properties": {
                    "options": {"minItems": 1, "x-message": "a choice needs its options"}
                },
            },
        },
        {
            "if": {"properties": {"kind": {"enum": [Kind.TEXT, Kind.MULTI_CHOICE]}}},
            "then": {"properties": {"minimum": _COUNT, "maximum": _COUNT}},
        },
        {
            "if": {"properties": {"kind": {"enum": [Kind.DATE, Kind.CHOICE, Kind.BOOLEAN]}}},
            "then": {"properties": {"minimum": _NO_BOUND, "maximum": _NO_BOUND}},
        },
        {
            "if": {
                "properties": {"display_field": {"const": True}},
                "required": ["display_field"],
            },
            "else": {
                "properties": {
                    "default_audience": {
                        "not": {"const": Audience.COMMUNITY},
                        "x-message": "only display fields may be on the community profile "
                        "by default",
                    }
                }
            },
        },
    ],
}


def _unique_by(
    validator: Any, field: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """``uniqueBy``: no two objects of the array have the same ``field``."""
    if not validator.is_type(instance, "array"):
        return
    seen: set[str] = set()
    for index, item in enumerate(instance):
        value = item.get(field) if isinstance(item, dict) else None
        if not isinstance(value, str):
            continue
        if value in seen:
            yield ValidationError(f"the option {value!r} is listed twice", path=[index, field])
        seen.add(value)


def _not_above(
    validator: Any, pair: list[str], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """``notAbove``: of the object's two named numbers, the first is not above the second."""
    if not validator.is_type(instance, "object"):
        return
    low, high = (instance.get(name) for name in pair)
    if validator.is_type(low, "number") and validator.is_type(high, "number") and low > high:
        yield ValidationError(
            f"the {pair[0]} ({plain_number(low)}) is above the {pair[1]} ({plain_number(high)})",
            path=[pair[1]],
        )


DefinitionValidator = validators.extend(
    Draft202012Validator,
    {"uniqueBy": _unique_by, "notAbove": _not_above},
    type_checker=FINITE_NUMBERS,
)


def check_definition(definition: Mapping[str, Any]) -> None:
    """Refuse an attribute definition (key, labels, kind, ...) that breaks a rule of
    ``DEFINITION_SCHEMA``; the error names the field (``options.2.value``)."""
    validator = DefinitionValidator(DEFINITION_SCHEMA, format_checker=FORMATS)
    errors = sorted(validator.iter_errors(dict(definition)), key=_definition_order)
    if errors:
        error = errors[0]
        field, message = _definition_error(error)
        raise ServiceError(message, code="invalid_definition", field=field or None)


def _definition_order(error: ValidationError) -> tuple[int, str]:
    fields = list(DEFINITION_SCHEMA["properties"])
    first = str(error.path[0]) if error.path else ""
    return (fields.index(first) if first in fields else -1, ".".join(map(str, error.path)))


def _definition_error(error: ValidationError) -> tuple[str, str]:
    path = [str(part) for part in error.path]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
        extra = sorted(set(error.instance) - known)
        return ".".join([*path, *extra[:1]]), f"unknown field {extra[0]!r}" if extra else ""
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [
            name
            for name in error.validator_value
            if isinstance(error.instance, dict) and name not in error.instance
        ]
        custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
        if missing:
            return ".".join([*path, missing[0]]), custom or f"{missing[0]} is required"
    custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
    if error.validator in ("uniqueBy", "notAbove"):
        custom = error.message
    return ".".join(path), str(custom or error.message)
