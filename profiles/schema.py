"""JSON Schemas (draft 2020-12) for the profile: the one that profile values are checked
against, generated from the active attribute definitions, and the one an attribute
definition itself is checked against (what an admin enters).

Both are validated with ``jsonschema``, not by hand. Three things draft 2020-12 cannot say
are added where ``jsonschema`` allows it:

- numbers are finite: the validators' type checker does not count NaN or infinity as a
  ``number`` (Python's JSON parser reads them; PostgreSQL refuses them);
- in a definition, option values are unique (``uniqueBy``) and the minimum is not above
  the maximum (``notAbove``): two keywords of our own, added with
  ``jsonschema.validators.extend``;
- a date that may not be in the future (a birth date) is after today nowhere: today is
  not something a schema knows. ``check_dates`` is that one small check, after the
  schema's (and it refuses dates before 1900, which no profile needs).

Errors name the field (``values.<key>``, ``options.2.value``) and say what is wrong in
words a member understands ("Sleep on a usual night must be at most 24 h").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from core.errors import ServiceError
from profiles.models import Attribute, Audience, localized

DRAFT = "https://json-schema.org/draft/2020-12/schema"
VALUES_ID = "urn:edietitian:profile:values"
DEFINITION_ID = "urn:edietitian:profile:attribute-definition"

# A text value without a maximum of its own is at most this long.
TEXT_MAX = 2000
# The earliest date a profile value may hold.
EARLIEST_DATE = date(1900, 1, 1)

Kind = Attribute.Kind


def _finite_number(checker: Any, instance: object) -> bool:
    if not isinstance(instance, int | float) or isinstance(instance, bool):
        return False
    try:
        return math.isfinite(instance)
    except OverflowError:  # an integer too large for a float is no number we keep
        return False


_TYPES = Draft202012Validator.TYPE_CHECKER.redefine("number", _finite_number)


# --- the values -----------------------------------------------------------------------


def attribute_schema(attribute: Attribute, locale: str = "en") -> dict[str, Any]:
    """The JSON Schema of one attribute's value (null, meaning "not given", is not
    validated: it clears the value)."""
    schema: dict[str, Any] = {"title": attribute.label(locale)}
    help_text = localized(attribute.help_texts, locale)
    if help_text:
        schema["description"] = help_text
    low, high = attribute.minimum, attribute.maximum
    kind = attribute.kind
    if kind == Kind.TEXT:
        schema["type"] = "string"
        schema["minLength"] = max(1, int(low)) if low is not None else 1
        schema["maxLength"] = int(high) if high is not None else TEXT_MAX
        if attribute.pattern:
            # The whole value matches (JSON Schema's ``pattern`` matches anywhere).
            schema["pattern"] = f"^(?:{attribute.pattern})$"
    elif kind == Kind.NUMBER:
        schema["type"] = "number"
        if low is not None:
            schema["minimum"] = _plain(low)
        if high is not None:
            schema["maximum"] = _plain(high)
        if attribute.unit:
            schema["x-unit"] = attribute.unit
    elif kind == Kind.DATE:
        schema.update(type="string", format="date")
        # Not validated by the schema (see ``check_dates``); said here for readers.
        schema["x-allowFuture"] = attribute.allow_future
    elif kind == Kind.CHOICE:
        schema.update(type="string", enum=_option_values(attribute))
    elif kind == Kind.MULTI_CHOICE:
        schema.update(
            type="array",
            items={"enum": _option_values(attribute)},
            uniqueItems=True,
            minItems=max(1, int(low)) if low is not None else 1,
        )
        if high is not None:
            schema["maxItems"] = int(high)
    elif kind == Kind.BOOLEAN:
        schema["type"] = "boolean"
    return schema


def values_schema(attributes: Iterable[Attribute], locale: str = "en") -> dict[str, Any]:
    """The JSON Schema of a profile's values: an object of the active attributes' keys.
    Every key is optional (a change names only what changes; what onboarding requires is
    listed under ``x-requiredAtOnboarding``); no other key is accepted."""
    active = [a for a in attributes if a.retired_at is None]
    return {
        "$schema": DRAFT,
        "$id": VALUES_ID,
        "title": "Profile values",
        "type": "object",
        "properties": {a.key: attribute_schema(a, locale) for a in active},
        "additionalProperties": False,
        "x-requiredAtOnboarding": [a.key for a in active if a.required],
    }


_ValuesValidator = validators.extend(Draft202012Validator, type_checker=_TYPES)
_FORMATS = FormatChecker()


def validate_values(
    values: Mapping[str, Any],
    attributes: Iterable[Attribute],
    *,
    today: date,
    prefix: str = "values",
) -> None:
    """Refuse ``values`` (key -> value; None means "clear" and is not checked) unless each
    holds to the schema of its active attribute. The first field at fault, in the order
    of the page, is named in the error (``values.<key>``)."""
    attributes = list(attributes)
    by_key = {a.key: a for a in attributes}
    given = {key: value for key, value in values.items() if value is not None}
    validator = _ValuesValidator(values_schema(attributes), format_checker=_FORMATS)
    place = {a.key: n for n, a in enumerate(attributes)}
    errors = sorted(
        (_named(error, by_key) for error in validator.iter_errors(given)),
        key=lambda found: place.get(found[0], -1),
    )
    if errors:
        key, message, code = errors[0]
        raise ServiceError(message, code=code, field=f"{prefix}.{key}")
    check_dates(given, by_key, today=today, prefix=prefix)


def check_dates(
    values: Mapping[str, Any], by_key: Mapping[str, Attribute], *, today: date, prefix: str
) -> None:
    """The rule JSON Schema cannot say: a date attribute that does not allow the future
    holds no date after ``today`` (the customer's own today); and no date is before 1900.
    Runs after the schema, so every date here is a real ``YYYY-MM-DD``."""
    for key, value in values.items():
        attribute = by_key.get(key)
        if attribute is None or attribute.kind != Kind.DATE or not isinstance(value, str):
            continue
        day = date.fromisoformat(value)
        label = attribute.label()
        if not attribute.allow_future and day > today:
            raise ServiceError(
                f"{label} cannot be in the future", code="future_date", field=f"{prefix}.{key}"
            )
        if day < EARLIEST_DATE:
            raise ServiceError(
                f"{label} cannot be before {EARLIEST_DATE.year}",
                code="invalid_value",
                field=f"{prefix}.{key}",
            )


def _named(error: ValidationError, by_key: Mapping[str, Attribute]) -> tuple[str, str, str]:
    """(key, message, code) of a value's error, in a member's words."""
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
        extra = sorted(set(error.instance) - known) if isinstance(error.instance, dict) else []
        key = extra[0] if extra else ""
        return key, f"there is no field {key!r} to fill in", "unknown_field"
    key = str(error.path[0]) if error.path else ""
    attribute = by_key.get(key)
    label = attribute.label() if attribute is not None else key
    return key, f"{label} {_says(error, attribute)}", "invalid_value"


def _says(error: ValidationError, attribute: Attribute | None) -> str:
    """What is wrong, after the field's label."""
    kind = attribute.kind if attribute is not None else ""
    unit = f" {attribute.unit}" if attribute is not None and attribute.unit else ""
    limit = error.validator_value
    match error.validator:
        case "type":
            kinds: dict[str, str] = {
                Kind.TEXT: "must be text",
                Kind.NUMBER: "must be a number",
                Kind.DATE: "must be a date, written like 1980-04-30",
                Kind.CHOICE: "must be one of the choices",
                Kind.MULTI_CHOICE: "must be a list of choices",
                Kind.BOOLEAN: "must be yes or no",
            }
            return kinds.get(kind, "is not the right kind of value")
        case "minimum":
            return f"must be at least {_plain(limit)}{unit}"
        case "maximum":
            return f"must be at most {_plain(limit)}{unit}"
        case "minLength":
            return "must not be empty" if limit == 1 else f"must be at least {limit} characters"
        case "maxLength":
            return f"must be at most {limit} characters"
        case "pattern":
            return "is not written the expected way"
        case "format":
            return "must be a real date, written like 1980-04-30"
        case "enum":
            return "must be one of the choices offered"
        case "uniqueItems":
            return "lists the same choice twice"
        case "minItems":
            return "needs at least one choice" if limit == 1 else f"needs at least {limit} choices"
        case "maxItems":
            return f"allows at most {limit} choices"
    return "is not valid"


def _option_values(attribute: Attribute) -> list[str]:
    return [str(o.get("value")) for o in attribute.options if isinstance(o, dict)]


def _plain(number: float | int) -> float | int:
    """12.0 as 12, for schemas and messages."""
    return int(number) if float(number).is_integer() else number


# --- the definitions ------------------------------------------------------------------


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
            f"the {pair[0]} ({_plain(low)}) is above the {pair[1]} ({_plain(high)})",
            path=[pair[1]],
        )


DefinitionValidator = validators.extend(
    Draft202012Validator,
    {"uniqueBy": _unique_by, "notAbove": _not_above},
    type_checker=_TYPES,
)


def check_definition(definition: Mapping[str, Any]) -> None:
    """Refuse an attribute definition (key, labels, kind, ...) that breaks a rule of
    ``DEFINITION_SCHEMA``; the error names the field (``options.2.value``)."""
    validator = DefinitionValidator(DEFINITION_SCHEMA, format_checker=_FORMATS)
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
