"""The Django admin for accounts. Every view of a member's account by someone else is
written to the access audit log, as on the API; its sign-in is under the same limits."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts import signin
from accounts.audit import record_access
from accounts.errors import NotAuthenticated, RateLimited
from accounts.models import AccessAuditEntry, User

ADMIN = AccessAuditEntry.Door.ADMIN


class AdminSignInForm(AdminAuthenticationForm):
    """The admin's sign-in form checks passwords with ``accounts.signin``, under the same
    limits as every other door (Django's form would go straight to the backend)."""

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password and self.request is not None:
            try:
                self.user_cache = signin.check_credentials(self.request, email, password)
            except RateLimited as exc:
                raise ValidationError(exc.message, code="rate_limited") from None
            except NotAuthenticated:
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = AdminSignInForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("id",)
    list_display = ("id", "email", "display_name", "role", "region", "is_active")
    list_filter = ("role", "is_active", "region")
    search_fields = ("email", "display_name", "cognito_sub")
    readonly_fields = (
        "cognito_sub",
        "date_joined",
        "last_login",
        "access_valid_after",
        "email_verified_at",
    )
    fieldsets = (
        (None, {"fields": ("email", "email_verified_at", "password", "cognito_sub")}),
        ("Profile", {"fields": ("display_name", "role", "locale", "region", "time_zone")}),
        ("Access", {"fields": ("is_active", "is_superuser", "access_valid_after")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (None, {"fields": ("email", "display_name", "role", "password1", "password2")}),
    )
    filter_horizontal = ()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if isinstance(response, TemplateResponse) and changelist is not None:
            record_access(_actor(request), list(changelist.result_list), "list", "account", ADMIN)
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        subject = self.get_object(request, unquote(object_id))
        response = super().change_view(request, object_id, form_url, extra_context)
        changed = request.method == "POST" and response.status_code == 302
        self._audit(request, subject, response, "change" if changed else "view", "account")
        return response

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        subject = self.get_object(request, unquote(id))
        response = super().user_change_password(request, id, form_url)
        changed = request.method == "POST" and response.status_code == 302
        self._audit(request, subject, response, "change" if changed else "view", "password")
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        subject = self.get_object(request, unquote(object_id))
        response = super().history_view(request, object_id, extra_context)
        self._audit(request, subject, response, "view", "account history")
        return response

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        """Role and region changes reach open sockets from the save (accounts.signals)."""
        if not change and obj.email_verified_at is None:
            obj.email_verified_at = timezone.now()  # made by an admin: counts as verified
        if change and User.objects.filter(pk=obj.pk).exclude(region=obj.region).exists():
            obj.region_changed_at = timezone.now()
        super().save_model(request, obj, form, change)

    def _audit(
        self,
        request: HttpRequest,
        subject: User | None,
        response: HttpResponse,
        action: str,
        resource: str,
    ) -> None:
        if subject is not None and response.status_code in (200, 302):
            record_access(_actor(request), [subject], action, resource, ADMIN)


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@admin.register(AccessAuditEntry)
class AccessAuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "actor_label",
        "actor_role",
        "action",
        "resource",
        "subject_label",
        "door",
    )
    list_filter = ("door", "action")
    search_fields = ("actor_label", "subject_label", "resource")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
