from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The member text this notice quotes or names ("message:42", "post:17"): when that
    # text is hidden or deleted the notice goes; when it is edited its excerpt goes.
    source = models.CharField(max_length=48, blank=True)

    class Meta:
        ordering = ("-id",)
        indexes = [
            models.Index(fields=["user", "read_at", "-id"]),
            models.Index(fields=["source"], name="notification_source"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.title}"


class NotificationPreference(models.Model):
    """A user's choice for one kind; the kind's defaults apply until one is saved."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_once")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
