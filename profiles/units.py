"""Units of the medical-test catalogue: UCUM codes (what the catalogue, the API, FHIR and
CSV files speak) mapped to pint expressions (what converts).

A test stores its values in its canonical unit (``MedicalTest.unit``) and accepts the
units of ``MedicalTest.input_units`` besides. A mass concentration (mg/dL) becomes an
amount concentration (mmol/L) through the test's molar mass, with pint's "chemistry"
context. HbA1c in mmol/mol (IFCC) becomes % (NGSP) by the IFCC-NGSP master equation,
``NGSP = IFCC / 10.929 + 2.15``: an affine relation between two ways of measuring, not a
ratio, defined for that test alone as a pint unit with an offset.

Every conversion is affine (``a * x + b``), so each pair of units is converted by pint
once and the factors are kept: a file of 5,000 rows costs 5,000 multiplications.
"""

from __future__ import annotations

from functools import lru_cache

import pint

from core.errors import ServiceError
from profiles.models import MedicalTest

UREG: pint.UnitRegistry[float] = pint.UnitRegistry()
UREG.define("hba1c_ngsp_percent = [hba1c]")
UREG.define("hba1c_ifcc_mmol_per_mol = hba1c_ngsp_percent / 10.929; offset: 2.15")

# The UCUM codes the catalogue uses, as pint expressions.
PINT_OF_UCUM: dict[str, str] = {
    "kg": "kilogram",
    "g": "gram",
    "[lb_av]": "avoirdupois_pound",
    "cm": "centimeter",
    "m": "meter",
    "[in_i]": "inch",
    "kg/m2": "kilogram / meter ** 2",
    "mm[Hg]": "millimeter_Hg",
    "%": "percent",
    "mmol/mol": "millimole / mole",
    "mmol/L": "millimole / liter",
    "mg/dL": "milligram / deciliter",
    "nmol/L": "nanomole / liter",
    "ng/mL": "nanogram / milliliter",
    "ug/L": "microgram / liter",
}

# Tests whose units mean something else than the plain quantity (the catalogue's codes).
HBA1C = "hba1c"
PINT_OF_UCUM_FOR_TEST: dict[str, dict[str, str]] = {
    HBA1C: {"%": "hba1c_ngsp_percent", "mmol/mol": "hba1c_ifcc_mmol_per_mol"},
}

# How a unit is shown to people (UCUM codes are for machines: "[lb_av]" is "lb").
LABELS: dict[str, str] = {
    "[lb_av]": "lb",
    "[in_i]": "in",
    "kg/m2": "kg/m²",
    "mm[Hg]": "mmHg",
    "ug/L": "µg/L",
}

# What people and lab files write for a unit, lower case, besides the UCUM code itself.
ALIASES: dict[str, str] = {
    "lb": "[lb_av]",
    "lbs": "[lb_av]",
    "pound": "[lb_av]",
    "pounds": "[lb_av]",
    "in": "[in_i]",
    "inch": "[in_i]",
    "inches": "[in_i]",
    '"': "[in_i]",
    "kg/m²": "kg/m2",
    "kg/m^2": "kg/m2",
    "mmhg": "mm[Hg]",
    "mm hg": "mm[Hg]",
    "µg/l": "ug/L",
    "μg/l": "ug/L",  # the Greek letter mu, which some keyboards give
    "mcg/l": "ug/L",
    "percent": "%",
}
ALIASES.update({code.lower(): code for code in PINT_OF_UCUM})
ALIASES.update({label.lower(): code for code, label in LABELS.items()})


def label(code: str) -> str:
    """How ``code`` is shown: "lb" for "[lb_av]", the code itself where it reads well."""
    return LABELS.get(code, code)


def ucum_code(text: str) -> str | None:
    """The UCUM code ``text`` names (the code in any case, or a common way of writing it),
    or None."""
    cleaned = " ".join(text.split())
    if cleaned in PINT_OF_UCUM:
        return cleaned
    return ALIASES.get(cleaned.lower())


def accepted_units(test: MedicalTest) -> list[str]:
    """The canonical unit first, then the other units accepted on input."""
    return [test.unit, *(u for u in test.input_units if u != test.unit)]


def refuse_unit(test: MedicalTest, text: str, field: str = "unit") -> ServiceError:
    shown = ", ".join(label(u) for u in accepted_units(test))
    return ServiceError(
        f"{test.name()} is not entered in {text!r}: use {shown}", code="invalid_unit", field=field
    )


def to_canonical(
    test: MedicalTest, value: float, unit_text: str, field: str = "unit"
) -> tuple[float, str]:
    """``value`` in ``unit_text`` as (value in the test's canonical unit, the UCUM code
    entered). A unit the test does not accept is refused, naming the accepted ones."""
    code = ucum_code(unit_text)
    if code is None or code not in accepted_units(test):
        raise refuse_unit(test, unit_text, field)
    if code == test.unit:
        return value, code
    try:
        scale, offset = _factors(
            _pint_of(test.code, code), _pint_of(test.code, test.unit), test.molar_mass
        )
    except (pint.errors.PintError, KeyError) as exc:
        # A unit an admin accepted that cannot become the canonical one (a mass for an
        # amount without a molar mass): refused as the test's own configuration error.
        raise ServiceError(
            f"{test.name()} cannot be converted from {label(code)} to {label(test.unit)}",
            code="invalid_unit",
            field=field,
        ) from exc
    return value * scale + offset, code


def from_canonical(test: MedicalTest, value: float, code: str) -> float:
    """A canonical value of ``test`` in another accepted unit (the inverse of above)."""
    if code == test.unit:
        return value
    scale, offset = _factors(
        _pint_of(test.code, test.unit), _pint_of(test.code, code), test.molar_mass
    )
    return value * scale + offset


def _pint_of(test_code: str, code: str) -> str:
    special = PINT_OF_UCUM_FOR_TEST.get(test_code, {})
    return special.get(code) or PINT_OF_UCUM[code]


@lru_cache(maxsize=256)
def _factors(source: str, target: str, molar_mass: float | None) -> tuple[float, float]:
    """(a, b) with ``target = a * source + b``, from pint."""

    def convert(x: float) -> float:
        quantity = UREG.Quantity(x, source)
        if molar_mass and quantity.dimensionality != UREG.Unit(target).dimensionality:
            converted = quantity.to(target, "chemistry", mw=molar_mass * UREG("g/mol"))
        else:
            converted = quantity.to(target)
        return float(converted.magnitude)

    offset = convert(0.0)
    return convert(1.0) - offset, offset
