from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CareTeamMember(models.Model):
    """A dietitian or medical provider in a customer's care team."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_team"
    )
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_customers"
    )
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "professional"], name="care_team_once")
        ]

    def __str__(self) -> str:
        return f"{self.professional} cares for {self.customer}"
