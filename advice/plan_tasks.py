"""Background work of care plans: the goals and notices of a plan sent to a group, and
the word to the customers' care teams.

Each notice is a durable event on the customer's own ``user:{id}`` topic, with a sequence
number of its own: a few queries per customer, however they are sent. A send to a class
of hundreds therefore tells its customers here, after the commit, so the request itself
stays a fixed number of queries. Safe to run again: a customer already told of this send
is not told twice.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from accounts.models import User
from advice.models import CarePlan, CarePlanVersion, Goal, PlanBatch
from advice.plan_goals import propose
from advice.plan_notices import KIND, notify_sent
from advice.topics import tell_care_team
from core.errors import ServiceError
from notifications.models import Notification

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def tell_plan_sent(batch_id: int) -> int:
    """Tell each customer of the send ``batch_id`` whose copy is published (and still in
    force, not archived) that a plan waits for them. Returns how many were told."""
    batch = PlanBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return 0
    customers = set(
        CarePlan.objects.filter(batch=batch, archived_at__isnull=True)
        .exclude(published_version=0)
        .values_list("customer_id", flat=True)
    )
    told = set(
        Notification.objects.filter(
            kind=KIND, user_id__in=customers, data__batch=batch_id
        ).values_list("user_id", flat=True)
    )
    _propose_goals(batch)
    active = User.objects.filter(pk__in=customers - told, is_active=True)
    waiting = sorted(active.values_list("pk", flat=True))
    notify_sent(waiting, batch_id)
    # Their care teams' open pages hear of the new plan too (the sender's other pages, a
    # colleague's), as for a plan published alone.
    plans = CarePlan.objects.filter(batch=batch, customer_id__in=waiting)
    for customer_id, plan_id in plans.values_list("customer_id", "pk"):
        tell_care_team(customer_id, "plan", plan_id)
    return len(waiting)


def _propose_goals(batch: PlanBatch) -> None:
    """The goals of each published copy, proposed once (a copy with goals of its own
    already is passed over). A copy whose goals cannot be proposed to its customer (a test
    they keep from the care team) proposes none, and the others go on."""
    with_goals = (
        CarePlanVersion.objects.filter(plan__batch=batch, number=1, published_at__isnull=False)
        .filter(plan__archived_at__isnull=True)
        .exclude(goals=[])
        .select_related("plan")
    )
    done = set(Goal.objects.filter(plan__batch=batch).values_list("plan_id", flat=True))
    author = batch.author
    skipped = 0
    for version in with_goals:
        if version.plan_id in done or author is None:
            continue
        try:
            with transaction.atomic():
                propose(author, version.plan, list(version.goals))
        except ServiceError:
            skipped += 1
    if skipped:
        logger.info("plan send %s: goals not proposed to %s customers", batch.pk, skipped)
