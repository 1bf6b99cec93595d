"""The JSON Schema (draft 2020-12) profile values are checked against, generated from the
active attribute definitions (the schema of the definitions themselves is in
``profiles.definitions``).

Values are validated with ``jsonschema``, not by hand. Two things draft 2020-12 cannot
say are added where ``jsonschema`` allows it:

- numbers are finite: the validators' type checker does not count NaN or infinity as a
  ``number`` (Python's JSON parser reads them; PostgreSQL refuses them);
- a date that may not be in the future (a birth date) is after today nowhere: today is
  not something a schema knows. ``check_dates`` is that one small check, after the
  schema's (and it refuses dates before 1900, which no profile needs).

Errors name the field (``values.<key>``, ``options.2.value``) and say what is wrong in
words a member understands ("Sleep on a usual night must be at most 24 h").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from core.errors import ServiceError
from profiles.models import Attribute, localized

DRAFT = "https://json-schema.org/draft/2020-12/schema"
VALUES_ID = "urn:edietitian:profile:values"

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


FINITE_NUMBERS = Draft202012Validator.TYPE_CHECKER.redefine("number", _finite_number)


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
            schema["minimum"] = plain_number(low)
        if high is not None:
            schema["maximum"] = plain_number(high)
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


_ValuesValidator = validators.extend(Draft202012Validator, type_checker=FINITE_NUMBERS)
FORMATS = FormatChecker()


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
    validator = _ValuesValidator(values_schema(attributes), format_checker=FORMATS)
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
            return f"must be at least {plain_number(limit)}{unit}"
        case "maximum":
            return f"must be at most {plain_number(limit)}{unit}"
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


def plain_number(number: float | int) -> float | int:
    """12.0 as 12, for schemas and messages."""
    return int(number) if float(number).is_integer() else number
