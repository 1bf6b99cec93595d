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


class CareRequest(models.Model):
    """A customer asks a dietitian to take them on (at onboarding, or later); or a
    dietitian hands a customer in their care over to another (``handed_over_by``). The
    dietitian asked accepts or declines; the care team forms on acceptance."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the dietitian"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_requests"
    )
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_requests_received"
    )
    # The dietitian handing the customer over, who leaves the care team on acceptance.
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_handovers",
    )
    message = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why the dietitian declined (shown to the customer).
    reply = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "professional"],
                condition=models.Q(status="pending"),
                name="one_pending_care_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} asks {self.professional_id}: {self.status}"
