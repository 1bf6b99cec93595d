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
from advice.models import CarePlan, CarePlanVersion, PlanBatch
from advice.plan_goals import propose
from advice.plan_notices import KIND, notify_sent
from advice.topics import tell_care_team
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
    active = User.objects.filter(pk__in=customers - told, is_active=True)
    waiting = sorted(active.values_list("pk", flat=True))
    notify_sent(waiting, batch_id)
    # Their care teams' open pages hear of the new plan too (the sender's other pages, a
    # colleague's), as for a plan published alone.
    plans = CarePlan.objects.filter(batch=batch, customer_id__in=waiting)
    for customer_id, plan_id in plans.values_list("customer_id", "pk"):
        tell_care_team(customer_id, "plan", plan_id)
    _propose_goals(batch)
    return len(waiting)


def _propose_goals(batch: PlanBatch) -> None:
    """The goals of each published copy that no goal of it asks yet, customer by
    customer, after they were told of the plan. One run at a time per send (the send's row
    locked), so two runs propose nothing twice; a goal that cannot be proposed to its
    customer (a test they keep from the care team) is passed over, the copy's others go on,
    and it is proposed with a later version once it can be; a customer whose goals fail
    for any other reason is logged, and the others go on."""
    author = batch.author
    if author is None:
        return
    with transaction.atomic():
        PlanBatch.objects.select_for_update().filter(pk=batch.pk).first()
        copies = (
            CarePlanVersion.objects.filter(plan__batch=batch, published_at__isnull=False)
            .filter(plan__archived_at__isnull=True)
            .exclude(goals=[])
            .select_related("plan")
        )
        in_force = [v for v in copies if v.number == v.plan.published_version]
        for version in in_force:
            try:
                with transaction.atomic():
                    propose(author, version.plan, list(version.goals), skip_refused=True)
            except Exception:
                logger.exception("plan send %s: the goals of plan %s", batch.pk, version.plan_id)
