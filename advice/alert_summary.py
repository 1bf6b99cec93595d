"""The daily e-mail summary of open alerts, to each professional who has some.

Sent once a local day (``AlertSummary``, unique per professional and date), in the
morning of the professional's own time zone (from ``SUMMARY_HOUR`` until noon: a job
that could not run at seven still sends at nine, never in the evening). It follows the
member's preference for the kind ``alerts.summary`` (by e-mail by default; never in the
app: alerts reach the app live). It is not a ``care.*`` kind: those are never mailed (a
care relationship is health information), and this mail names nobody. The mail is
written when it is sent, from the alerts the professional may see then: totals only (open
alerts by severity, how many customers they concern) and a link to the alerts page. It
holds no value, no test, no name and no customer's number: a mail leaves the platform,
and any handle of a customer beside "2 critical alerts" is health information about them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import record_access
from accounts.bounds import is_time_zone
from accounts.models import User
from accounts.roles import CARE_ROLES
from advice.alert_actions import STATUSES, seen_by, visible_alerts
from advice.models import Alert, AlertRule, AlertSummary, CareTeamMember
from notifications.kinds import Kind, register
from notifications.services import email_if_wanted

KIND = "alerts.summary"
SUMMARY_HOUR = 7
LAST_HOUR = 12
SEVERITIES = [s.value for s in reversed(AlertRule.Severity)]  # critical first


def local_now(user: User, now: dt.datetime) -> dt.datetime:
    zone = user.time_zone if is_time_zone(user.time_zone) else "UTC"
    return now.astimezone(zoneinfo.ZoneInfo(zone))


def compose_summary(user: User, kind: str, about: dict[str, Any]) -> tuple[str, str] | None:
    """The summary as it stands now; None when nothing is open any more."""
    if user.role not in CARE_ROLES:
        return None
    seen = seen_by(user, None)
    if not seen.customers:
        return None
    by_severity: Counter[str] = Counter()
    customers: set[int] = set()
    for customer_id, severity in (
        visible_alerts(seen)
        .filter(status__in=STATUSES["unresolved"])
        .values_list("customer_id", "rule__severity")
    ):
        by_severity[severity] += 1
        customers.add(customer_id)
    if not customers:
        return None
    record_access(user, sorted(customers), "list", "alerts (daily summary)", "task")
    total = sum(by_severity.values())
    many = len(customers)
    subject = f"{total} open alert{'s' * (total != 1)} for {many} of your customers"
    if many == 1:
        subject = f"{total} open alert{'s' * (total != 1)} for one of your customers"
    lines = [subject, ""]
    lines += [f"- {by_severity[s]} {s}" for s in SEVERITIES if by_severity[s]]
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    lines += ["", f"Read and answer them: {site}/care/alerts"]
    return subject, "\n".join(lines)


register(
    Kind(
        KIND,
        "A morning summary of your customers' open alerts",
        in_app=False,
        email=True,
        compose=compose_summary,
    )
)


def send_summaries(now: dt.datetime | None = None) -> int:
    """Queue today's summary for each professional whose morning it is and who has open
    alerts and none sent today. Returns how many were queued. A few queries, then one
    per professional due."""
    now = now or timezone.now()
    customers = (
        Alert.objects.filter(status__in=STATUSES["unresolved"])
        .values_list("customer_id", flat=True)
        .distinct()
    )
    pros = User.objects.filter(
        pk__in=CareTeamMember.objects.filter(customer_id__in=customers).values("professional_id"),
        is_active=True,
        role__in=CARE_ROLES,
    ).only("pk", "time_zone", "role")
    queued = 0
    for pro in pros:
        local = local_now(pro, now)
        if not SUMMARY_HOUR <= local.hour < LAST_HOUR:
            continue
        try:
            with transaction.atomic():
                AlertSummary.objects.create(professional=pro, local_date=local.date())
                queued += email_if_wanted([pro.pk], KIND, {"day": int(local.strftime("%Y%m%d"))})
        except IntegrityError:  # sent today already
            continue
    return queued
