"""Who the alert rules watch: the customers a care team may watch now (an active
professional in their care team, consent to care standing), each with the tests they share
with it and their subject (sex and age) as the care team sees them. A few queries for any
number of customers (the schedule's batches; one customer on a write)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import User
from accounts.roles import CARE_ROLES
from advice import alert_reads as reads
from profiles.catalogue import Subject, catalogue, effective_audiences, subjects_of_many
from profiles.models import Audience, Consent, TestAudience
from profiles.permissions import Relation

SHARED = Audience.CARE_TEAM


@dataclass
class Watch:
    """One customer as the rules see them: the tests shared with the care team, their
    subject as the care team sees it, and since when consent to care stands."""

    customer_id: int
    shared_tests: set[int]
    subject: Subject
    consent_since: dt.datetime
    now: dt.datetime = field(default_factory=timezone.now)
    # The professionals who may watch the customer, when read already (whom an alert tells).
    watchers: list[int] | None = None
    _latest: dict[int, tuple[int, float, dt.datetime, dt.datetime] | None] = field(
        default_factory=dict
    )

    def latest(self, test_id: int) -> tuple[int, float, dt.datetime, dt.datetime] | None:
        """(id, value, taken_at, recorded_at) of the latest current result of a test."""
        if test_id not in self._latest:
            self._latest[test_id] = reads.latest_result(self.customer_id, test_id)
        return self._latest[test_id]


def shared_tests(customer_ids: list[int]) -> dict[int, set[int]]:
    """The tests each customer shares with their care team (a derived test narrowed to its
    sources'). Two queries, however many customers."""
    tests = catalogue()
    chosen: dict[int, dict[int, str]] = {pk: {} for pk in customer_ids}
    for customer_id, test_id, audience in TestAudience.objects.filter(
        customer_id__in=customer_ids
    ).values_list("customer_id", "test_id", "audience"):
        chosen[customer_id][test_id] = audience
    out = {}
    for pk in customer_ids:
        audiences = effective_audiences(
            {t.pk: chosen[pk].get(t.pk, t.default_audience) for t in tests}, tests
        )
        out[pk] = {t for t, audience in audiences.items() if audience == SHARED}
    return out


def watched(customer_ids: list[int]) -> dict[int, dt.datetime]:
    """Of ``customer_ids``, those a care team may watch now (an active professional in
    their care team, consent to care standing), with when that consent was given. One
    query for any number."""
    return dict(
        Consent.objects.filter(
            customer_id__in=customer_ids,
            purpose=Consent.Purpose.CARE,
            withdrawn_at__isnull=True,
            customer__care_team__professional__is_active=True,
            customer__care_team__professional__role__in=CARE_ROLES,
        )
        .values_list("customer_id", "granted_at")
        .distinct()
    )


def watches(
    customer_ids: list[int], now: dt.datetime | None = None, *, subjects: bool = True
) -> dict[int, Watch]:
    """Of ``customer_ids``, those a care team may watch now, each with the tests they share
    with it and (``subjects``) their sex and age as the care team sees them. A few queries
    for any number."""
    now = now or timezone.now()
    consents = watched(customer_ids) if customer_ids else {}
    if not consents:
        return {}
    ids = sorted(consents)
    tests = shared_tests(ids)
    seen: dict[int, Subject] = {pk: Subject() for pk in ids}
    if subjects:
        customers = list(User.objects.filter(pk__in=ids).only("pk", "time_zone"))
        seen.update({pk: s.seen for pk, s in subjects_of_many(customers, Relation.CARE).items()})
    return {pk: Watch(pk, tests[pk], seen[pk], consents[pk], now) for pk in ids}
