from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from accounts.models import AccessAuditEntry, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("id",)
    list_display = ("id", "email", "display_name", "role", "region", "is_active")
    list_filter = ("role", "is_active", "region")
    search_fields = ("email", "display_name", "cognito_sub")
    readonly_fields = ("cognito_sub", "date_joined", "last_login", "access_valid_after")
    fieldsets = (
        (None, {"fields": ("email", "password", "cognito_sub")}),
        ("Profile", {"fields": ("display_name", "role", "locale", "region", "time_zone")}),
        ("Access", {"fields": ("is_active", "is_superuser", "access_valid_after")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (None, {"fields": ("email", "display_name", "role", "password1", "password2")}),
    )
    filter_horizontal = ()


@admin.register(AccessAuditEntry)
class AccessAuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "resource", "subject_label", "door")
    list_filter = ("door", "action")
    search_fields = ("actor_label", "subject_label", "resource")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
