"""The Django admin of advice: the default alert rules, checked by the same rules as the
API (``advice.alert_rules.check_rule``). A rule for one customer (a professional's
override) is not shown here: staff are "anybody else" to a customer's care, and which
thresholds their care team changed for them tells of their health."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin import BoundedParametersMixin
from advice.alert_rules import check_rule
from advice.models import AlertRule
from core.errors import ServiceError

FIELDS = ("name", "kind", "test", "threshold", "days", "severity", "sex", "age_min", "age_max")


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = (*FIELDS, "active")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        rule = AlertRule(**{name: cleaned.get(name) for name in FIELDS})
        rule.name = rule.name or ""
        try:
            check_rule(rule)
        except ServiceError as error:
            if error.field in self.fields:
                self.add_error(error.field, error.message)
            else:
                raise forms.ValidationError(error.message) from None
        return cleaned


@admin.register(AlertRule)
class AlertRuleAdmin(BoundedParametersMixin, admin.ModelAdmin):
    form = AlertRuleForm
    list_display = ("name", "kind", "test", "threshold", "days", "severity", "sex", "active")
    list_filter = ("kind", "severity", "active")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AlertRule]:
        return super().get_queryset(request).filter(customer__isnull=True)

    def save_model(self, request: HttpRequest, obj: AlertRule, form: Any, change: bool) -> None:
        if not change:
            obj.created_by_id = getattr(request.user, "pk", None)
        super().save_model(request, obj, form, change)
