"""The Django admin of profiles: the attribute definitions, checked by the same JSON
Schema as the API (``profiles.definitions.check_definition``), and the medical-test catalogue
with its reference ranges (units checked by converting with pint before they are saved).

No member's value, audience, history, result or consent is registered here, and no
inline shows one: the admin is a door like the others, and staff are "anybody else" to a
customer's health data. Attributes are retired, never deleted (their values stay).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.admin import BoundedParametersMixin
from core.errors import ServiceError
from profiles.attributes import DEFINITION_FIELDS, check_change
from profiles.definitions import check_definition
from profiles.models import Attribute, MedicalTest, ReferenceRange
from profiles.results import BMI
from profiles.units import PINT_OF_UCUM, to_canonical

# What a test may be derived from others as (the server computes each of them).
DERIVED = frozenset({BMI})


class AttributeForm(forms.ModelForm):
    class Meta:
        model = Attribute
        fields = DEFINITION_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        data = {name: cleaned.get(name) for name in DEFINITION_FIELDS if name in self.fields}
        blanks: dict[str, Any] = {"labels": {}, "help_texts": {}, "options": [], "unit": ""}
        blanks["pattern"] = ""
        for name, empty in blanks.items():
            if name in data:
                data[name] = data[name] or empty
        try:
            if self.instance.pk is None:
                check_definition(data)
            else:
                check_change(self.instance, data)
        except ServiceError as error:
            field = (error.field or "").split(".")[0]
            if field in self.fields:
                self.add_error(field, error.message)
            else:
                raise forms.ValidationError(error.message) from None
        return cleaned


@admin.register(Attribute)
class AttributeAdmin(BoundedParametersMixin, admin.ModelAdmin):
    form = AttributeForm
    list_display = ("key", "kind", "section", "order", "required", "display_field", "retired_at")
    list_filter = ("kind", "section", "display_field", "required")
    search_fields = ("key",)
    readonly_fields = ("retired_at",)
    actions = ("retire", "bring_back")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A key names the field in every stored value and change: it never changes.
        return ("key", "retired_at") if obj is not None else ("retired_at",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Retire: no longer asked for; the values are kept")
    def retire(self, request: HttpRequest, queryset: QuerySet[Attribute]) -> None:
        queryset.filter(retired_at__isnull=True).update(retired_at=timezone.now())

    @admin.action(description="Ask for them again")
    def bring_back(self, request: HttpRequest, queryset: QuerySet[Attribute]) -> None:
        queryset.update(retired_at=None)


class MedicalTestForm(forms.ModelForm):
    """A catalogue entry is saved only if every unit it accepts is one the server knows
    and converts to its canonical unit, and its plausible range is a range."""

    class Meta:
        model = MedicalTest
        fields = (
            "code", "names", "loinc", "category", "unit", "input_units", "molar_mass",
            "decimals", "plausible_min", "plausible_max", "derived", "order",
            "default_audience",
        )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        names = cleaned.get("names")
        if not isinstance(names, dict) or not str(names.get("en", "")).strip():
            self.add_error("names", 'names per locale, English at least: {"en": "Weight"}')
        inputs = cleaned.get("input_units")
        if not isinstance(inputs, list) or not all(isinstance(u, str) for u in inputs):
            self.add_error("input_units", 'a list of UCUM codes: ["[lb_av]", "g"]')
            return cleaned
        if cleaned["plausible_min"] >= cleaned["plausible_max"]:
            self.add_error("plausible_max", "the plausible maximum is above the minimum")
        if cleaned.get("derived") and cleaned["derived"] not in DERIVED:
            self.add_error("derived", f"one of: {', '.join(sorted(DERIVED))}, or blank")
        probe = MedicalTest(
            code=cleaned["code"], unit=cleaned["unit"], input_units=inputs,
            molar_mass=cleaned.get("molar_mass"), names=names or {},
        )  # fmt: skip
        known = ", ".join(sorted(PINT_OF_UCUM))
        for code in [probe.unit, *inputs]:
            if code not in PINT_OF_UCUM:
                field = "unit" if code == probe.unit else "input_units"
                self.add_error(field, f"{code!r} is not a unit the server knows ({known})")
                return cleaned
        for code in inputs:
            try:
                to_canonical(probe, 1.0, code)
            except ServiceError as error:
                self.add_error("input_units", error.message)
        return cleaned


class ReferenceRangeForm(forms.ModelForm):
    class Meta:
        model = ReferenceRange
        fields = (
            "sex", "age_min", "age_max", "low", "high", "critical_low", "critical_high",
        )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        order = ("critical_low", "low", "high", "critical_high")
        given = [(name, cleaned.get(name)) for name in order if cleaned.get(name) is not None]
        for (lower, a), (upper, b) in pairwise(given):
            if a > b:  # type: ignore[operator]
                below = f"{upper.replace('_', ' ')} is below {lower.replace('_', ' ')}"
                self.add_error(upper, below)
        age_min, age_max = cleaned.get("age_min"), cleaned.get("age_max")
        if age_min is not None and age_max is not None and age_min >= age_max:
            self.add_error("age_max", "the age band ends after it starts")
        return cleaned


class ReferenceRangeInline(admin.TabularInline):
    model = ReferenceRange
    form = ReferenceRangeForm
    extra = 0


@admin.register(MedicalTest)
class MedicalTestAdmin(BoundedParametersMixin, admin.ModelAdmin):
    """The catalogue: staff add tests and their ranges; results are never shown here.
    Tests are retired, never deleted (results point at them)."""

    form = MedicalTestForm
    inlines = (ReferenceRangeInline,)
    list_display = ("code", "loinc", "category", "unit", "order", "retired_at")
    list_filter = ("category",)
    search_fields = ("code", "loinc")
    actions = ("retire", "bring_back")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Results are stored in the canonical unit: it never changes once chosen.
        return ("code", "unit", "retired_at") if obj is not None else ("retired_at",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Retire: no longer offered; the results are kept")
    def retire(self, request: HttpRequest, queryset: QuerySet[MedicalTest]) -> None:
        queryset.filter(retired_at__isnull=True).update(retired_at=timezone.now())

    @admin.action(description="Offer again")
    def bring_back(self, request: HttpRequest, queryset: QuerySet[MedicalTest]) -> None:
        queryset.update(retired_at=None)
