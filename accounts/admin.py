"""The Django admin for accounts. Every view of a member's account by someone else is
written to the access audit log, as on the API (the delete confirmation, which shows the
address, and the audit log itself too); its sign-in is under the same limits. E-mail
addresses and display names are checked as on every other door (``accounts.identity``),
and list parameters that name no object get a 400, never a 500."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts import signin
from accounts.audit import record_access
from accounts.bounds import MAX_ID
from accounts.identity import clean_display_name, normalize_email
from accounts.models import AccessAuditEntry, User
from core.errors import NotAuthenticated, RateLimited, ServiceError

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


class AccountFieldsMixin:
    """E-mail addresses and display names as every other door takes them."""

    cleaned_data: dict[str, Any]

    def clean_email(self) -> str | None:
        email = self.cleaned_data.get("email")
        if not email:
            return None  # an account without an address (Cognito without one)
        try:
            return normalize_email(email)
        except ServiceError as exc:
            raise ValidationError(exc.message, code="invalid") from None

    def clean_display_name(self) -> str:
        name = self.cleaned_data.get("display_name") or ""
        if not name:
            return name
        try:
            return clean_display_name(name)
        except ServiceError as exc:
            raise ValidationError(exc.message, code="invalid") from None


class UserAddForm(AccountFieldsMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(AccountFieldsMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class BoundedParametersMixin:
    """Refuses (400) an action naming selected objects by anything but an id; the admin
    would pass it to the database and answer 500. Other list parameters that name
    nothing the admin already answers with its own error redirect."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "POST":
            selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
            if not all(_is_id(value) for value in selected):
                return HttpResponseBadRequest("selected objects are named by their ids")
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


def _is_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID


@admin.register(User)
class UserAdmin(BoundedParametersMixin, BaseUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
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
        context = getattr(response, "context_data", None) or {}
        if isinstance(response, TemplateResponse) and context.get("cl") is not None:
            listed = list(context["cl"].result_list)
            record_access(_actor(request), listed, "list", "account", ADMIN)
        elif isinstance(response, TemplateResponse) and "deletable_objects" in context:
            # The confirmation of "delete selected" lists the accounts by address.
            record_access(_actor(request), list(context["queryset"]), "view", "account", ADMIN)
        return response

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The confirmation page shows the account's address: a view (the deletion
        itself is recorded by ``delete_model``)."""
        subject = self.get_object(request, unquote(object_id))
        response = super().delete_view(request, object_id, extra_context)
        if request.method != "POST":
            self._audit(request, subject, response, "view", "account")
        return response

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        with transaction.atomic():
            record_access(_actor(request), [obj], "delete", "account", ADMIN)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        with transaction.atomic():
            record_access(_actor(request), list(queryset), "delete", "account", ADMIN)
            super().delete_queryset(request, queryset)

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
class AccessAuditEntryAdmin(BoundedParametersMixin, admin.ModelAdmin):
    """The log, read-only. Reading it is an access too: each person an entry shown is
    about gets an entry (``view`` of the ``access log``), as on ``GET /api/audit``."""

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

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if isinstance(response, TemplateResponse) and changelist is not None:
            _audit_log_read(request, list(changelist.result_list))
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        entry = self.get_object(request, unquote(object_id))
        response = super().change_view(request, object_id, form_url, extra_context)
        if entry is not None and response.status_code == 200:
            _audit_log_read(request, [entry])
        return response


def _audit_log_read(request: HttpRequest, entries: list[AccessAuditEntry]) -> None:
    subjects = {e.subject_id for e in entries if e.subject_id is not None}
    record_access(_actor(request), subjects, "view", "access log", ADMIN)
