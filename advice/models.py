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
    """A care team forms only when the customer and the professional have both agreed.
    Three kinds: a customer asks a dietitian to take them on (``request``: the customer
    agreed by asking, the dietitian accepts); a dietitian offers to take a customer into
    their care (``offer``: the dietitian agreed by offering, the customer accepts); a
    dietitian hands a customer in their care over to another (``handover``, with
    ``handed_over_by``: the other dietitian and the customer each accept, in either
    order; the handing dietitian leaves the care team when both have). Either side still
    to agree may decline; a side that agreed may withdraw."""

    class Kind(models.TextChoices):
        REQUEST = "request", "The customer asks"
        OFFER = "offer", "The dietitian offers"
        HANDOVER = "handover", "A dietitian hands the customer over"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REQUEST)
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
    # When each side agreed (null: still to agree); the team forms when both have.
    customer_agreed_at = models.DateTimeField(null=True, blank=True)
    professional_agreed_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why it was declined (shown to the others concerned).
    reply = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "professional"],
                condition=models.Q(status="pending"),
                name="one_pending_care_request",
            ),
            # Accepted means both sides agreed.
            models.CheckConstraint(
                condition=~models.Q(status="accepted")
                | models.Q(customer_agreed_at__isnull=False, professional_agreed_at__isnull=False),
                name="care_request_accepted_by_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} / {self.professional_id}: {self.status}"

    @property
    def waiting_for(self) -> list[str]:
        """The sides still to agree (``customer``, ``professional``) while pending."""
        if self.status != self.Status.PENDING:
            return []
        return [
            side
            for side, agreed in (
                ("customer", self.customer_agreed_at),
                ("professional", self.professional_agreed_at),
            )
            if agreed is None
        ]
