from __future__ import annotations

from django.db.models import Q

from accounts.models import User
from advice.models import CareTeamMember


def in_care_relationship(a: User, b: User) -> bool:
    """Whether one is a professional in the other's care team."""
    return CareTeamMember.objects.filter(
        Q(customer=a, professional=b) | Q(customer=b, professional=a)
    ).exists()
