from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import connections, models, transaction
from django.utils import timezone

from accounts.identity import normalize_email
from accounts.roles import STAFF_ROLES, Role

# How an erased member is shown wherever their name was.
ERASED_NAME = "A deleted member"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        # The one form accounts are found by (accounts.identity), whoever makes the account.
        email = normalize_email(email) if email else email
        # Accounts made by admins, management commands and the demo data count as
        # verified; self sign-up passes ``email_verified_at=None`` and verifies by mail.
        fields.setdefault("email_verified_at", timezone.now())
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("role", Role.ADMIN)
        fields["is_superuser"] = True
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person using the platform. Local users sign in by email; Cognito users by sub."""

    email = models.EmailField(unique=True, null=True, blank=True)
    cognito_sub = models.CharField(max_length=64, unique=True, null=True, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CUSTOMER)
    display_name = models.CharField(max_length=80, blank=True)
    locale = models.CharField(max_length=16, default="en")
    region = models.CharField(max_length=16, blank=True, help_text="e.g. ca-on")
    # When the region last changed: members may change their own once per
    # REGION_CHANGE_DAYS (regional events, forums and classes are for the region's people).
    region_changed_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Sessions and tokens issued before this moment are refused (logout, password change,
    # deactivation). Null means nothing has been revoked yet.
    access_valid_after = models.DateTimeField(null=True, blank=True)
    # When the owner proved they read mail at ``email``. Null: not verified, and the
    # platform mails that address nothing but the verification link.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # Mail about a direct message says who wrote, not what, unless the member asks for
    # the text itself (``PATCH /api/me``).
    email_message_text = models.BooleanField(default=False)
    # When the member's account was erased at their request: the row stays (what they
    # wrote stays for the others, by "a deleted member"), everything that was theirs goes.
    erased_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.email or self.display_name or f"user {self.pk}"

    @property
    def is_staff(self) -> bool:
        """Staff roles may use the Django admin."""
        return self.is_active and self.role in STAFF_ROLES

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The superuser flag is the admin role's, never beside a lower role: however the
        # role is lowered (the API, the Django admin's form, a script), the flag goes too.
        if self.is_superuser and self.role != Role.ADMIN:
            self.is_superuser = False
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "role" in update_fields:
                kwargs["update_fields"] = {*update_fields, "is_superuser"}
        super().save(*args, **kwargs)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_module_perms(app_label)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def public_name(self) -> str:
        """What others see: never any part of the email address."""
        if self.erased_at is not None:
            return ERASED_NAME
        return self.display_name or f"Member {self.pk}"


# The audit log's labels of an erased account (``AuditQuerySet.label_erased``); the
# trigger of migration accounts 0010 allows exactly these, and nothing else.
def erased_subject_label(user_id: int) -> str:
    return f"{ERASED_NAME} (#{user_id})"


class AuditQuerySet(models.QuerySet["AccessAuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the access audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("the access audit log is append-only")

    def label_erased(self, user: User) -> int:
        """The one change the log allows: when ``user`` is erased, the entries by and
        about them keep their ids but name them as an erased member (``ERASED_NAME``),
        not as they were named. Nothing else of an entry changes, and entries are never
        deleted. In PostgreSQL the trigger refuses any other update; it allows this one
        only inside a transaction that set ``edietitian.erasing`` (set here, for these
        two statements, and reset at once). Called by ``accounts.erasure`` only."""
        if (
            user.erased_at is None
            or not User.objects.filter(pk=user.pk, erased_at__isnull=False).exists()
        ):
            raise PermissionError("only an erased account's labels are rewritten")
        connection = connections[self.db]
        postgres = connection.vendor == "postgresql"
        # A failure rolls the savepoint back, and the setting with it.
        with transaction.atomic(using=self.db):
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('edietitian.erasing', 'on', true)")
            everything: models.QuerySet[AccessAuditEntry] = models.QuerySet(  # not this class
                self.model, using=self.db
            )
            label = erased_subject_label(user.pk)
            changed = (
                everything.filter(actor=user)
                .exclude(actor_label=ERASED_NAME)
                .update(actor_label=ERASED_NAME)
            )
            changed += (
                everything.filter(subject=user)
                .exclude(subject_label=label)
                .update(subject_label=label)
            )
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('edietitian.erasing', 'off', true)")
        return changed


class AccessAuditEntry(models.Model):
    """One read or change of a person's data by someone else. Append-only."""

    class Door(models.TextChoices):
        HTTP = "http", "HTTP API"
        WEBSOCKET = "ws", "WebSocket"
        PAGE = "page", "Browser page"
        ADMIN = "admin", "Django admin"
        TASK = "task", "Background task"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No database constraint and no cascade: rows are never rewritten (but for the labels
    # of an erased member, ``AuditQuerySet.label_erased``), and the labels keep the trail
    # readable after either account is deleted.
    actor = models.ForeignKey(
        User,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_actions",
    )
    subject = models.ForeignKey(
        User,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_reads",
    )
    # The reader as members are shown them: display name and role at the time, never an
    # e-mail address (``accounts.audit``). Blank role: the system, or an entry from before.
    actor_label = models.CharField(max_length=254)
    actor_role = models.CharField(max_length=20, blank=True)
    subject_label = models.CharField(max_length=254)
    action = models.CharField(max_length=64)
    resource = models.CharField(max_length=128)
    door = models.CharField(max_length=8, choices=Door.choices)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["subject", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.resource}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("the access audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("the access audit log is append-only")


class Block(models.Model):
    """One person blocks another: the messaging rules and care teams look at it."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "community_block"  # made by the community app, which held the model first
        constraints = [models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class ErasedIdentity(models.Model):
    """An identity provider's subject (a Cognito ``sub``) whose account was erased, kept
    as a keyed hash (never the subject itself), so a token issued before the erasure
    cannot make the account again; a sign-in after it makes a new, unrelated one."""

    key = models.CharField(max_length=64, unique=True)
    erased_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"erased identity at {self.erased_at:%Y-%m-%d}"
