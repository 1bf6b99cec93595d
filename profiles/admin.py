"""The Django admin of profiles: the attribute definitions only, checked by the same
JSON Schema as the API (``profiles.schema.check_definition``).

No member's value, audience, history, result or consent is registered here, and no
inline shows one: the admin is a door like the others, and staff are "anybody else" to a
customer's health data. Attributes are retired, never deleted (their values stay).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.admin import BoundedParametersMixin
from core.errors import ServiceError
from profiles.attributes import DEFINITION_FIELDS, check_change
from profiles.models import Attribute
from profiles.schema import check_definition


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
