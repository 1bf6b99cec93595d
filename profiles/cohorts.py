"""Who analytics may count, and what of them: the door reports and segments go through.

Only customers whose consent to anonymised analytics stands are counted; a withdrawn
consent drops the person from the next computation (nothing is cached here). Reports
built on these querysets still suppress small counts themselves: this module decides
who is in, not what may be shown.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import User
from accounts.roles import Role
from profiles.models import Consent, Result


def counted_customers() -> QuerySet[User]:
    """Active customers who consent to anonymised analytics, erased accounts never."""
    consenting = Consent.objects.filter(
        purpose=Consent.Purpose.ANALYTICS, withdrawn_at__isnull=True
    ).values("customer_id")
    return User.objects.filter(
        role=Role.CUSTOMER, is_active=True, erased_at__isnull=True, pk__in=consenting
    )


def latest_values(test_code: str) -> QuerySet[User]:
    """The counted customers with their latest current value of a test, annotated
    ``value`` (None when they have none): the input of a report, never shown as is."""
    latest = Result.objects.filter(
        customer=OuterRef("pk"), test__code=test_code, superseded_at__isnull=True
    ).order_by("-taken_at", "-id")
    return counted_customers().annotate(value=Subquery(latest.values("value")[:1]))
