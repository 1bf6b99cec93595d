"""Results written tell the care team's open pages (the dashboard's row of that customer
reads again): ``care.activity`` with the newest result of a test the care team sees, never
about a test the customer keeps to themself. Check-ins, alerts, goals, plans and notes
tell it where they are written."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.dispatch import receiver

from advice.alert_facts import read_facts
from advice.topics import tell_care_team
from profiles.audience_sql import care_team_sees
from profiles.catalogue import catalogue
from profiles.models import Result
from profiles.signals import results_written


@receiver(results_written, dispatch_uid="advice.activity.results")
def tell_results_written(sender: Any, customer_id: int, result_ids: list[int], **_: Any) -> None:
    if connection.vendor == "postgresql":  # one statement: the result and who watches
        facts = read_facts(customer_id, list(result_ids))
        if facts.watched and facts.newest_shared_result is not None:
            tell_care_team(
                customer_id, "result", facts.newest_shared_result, watchers=facts.watchers
            )
        return
    seen = (
        Result.objects.filter(pk__in=result_ids, customer_id=customer_id)
        .filter(care_team_sees(catalogue(), "customer", "test"))
        .order_by("-taken_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if seen is not None:
        tell_care_team(customer_id, "result", seen)
