"""The roles a user can hold. One role per user; staff roles are moderator and admin. An
analyst reads the platform's reports (``analytics``), which never single anyone out."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    DIETITIAN = "dietitian", "Dietitian"
    MEDICAL_PROVIDER = "medical_provider", "Medical provider"
    MODERATOR = "moderator", "Moderator"
    ADMIN = "admin", "Admin"
    ANALYST = "analyst", "Analyst"


# Higher rank wins when a Cognito user sits in several mapped groups.
ROLE_RANK: dict[str, int] = {
    Role.CUSTOMER: 0,
    Role.MEDICAL_PROVIDER: 1,
    Role.DIETITIAN: 2,
    Role.ANALYST: 3,
    Role.MODERATOR: 4,
    Role.ADMIN: 5,
}

CARE_ROLES = frozenset({Role.DIETITIAN, Role.MEDICAL_PROVIDER})
STAFF_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})
