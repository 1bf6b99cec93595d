"""What alert rules and alerts keep about a member. A customer's download holds the alerts
about them (the rule, when raised, its status, the value and the professionals' note: what
is written about them is theirs to read) and the rules written for them. Erasing a
customer deletes their alerts and their own rules; erasing a professional leaves the
alerts and rules they acted on or wrote, without them (``acknowledged_by``,
``resolved_by``, ``created_by`` become null), and forgets the summaries sent to them."""

from __future__ import annotations

from accounts.models import User
from accounts.personal_data import Part, Table, register
from advice.alert_actions import alert_out
from advice.models import Alert, AlertRule, AlertSummary


def export_alerts(user: User) -> list[Part]:
    alerts = (
        Alert.objects.filter(customer=user)
        .select_related("rule", "rule__test", "customer", "acknowledged_by", "resolved_by")
        .order_by("raised_at", "id")
    )
    rules = AlertRule.objects.filter(customer=user).select_related("test").order_by("id")
    rows = []
    for alert in alerts:
        shown = alert_out(alert)
        rows.append(
            {
                "rule": shown["rule"]["name"],
                "test": shown["rule"]["test"] or "",
                "severity": shown["severity"],
                "status": shown["status"],
                "value": shown["value"],
                "unit": shown["unit"],
                "raised_at": alert.raised_at,
                "last_seen_at": alert.last_seen_at,
                "count": alert.count,
                "acknowledged_at": alert.acknowledged_at,
                "resolved_at": alert.resolved_at,
                "note": alert.note,
            }
        )
    return [
        Table("alerts", rows),
        Table(
            "alert-rules",
            [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "test": r.test.code if r.test else "",
                    "threshold": r.threshold,
                    "days": r.days,
                    "severity": r.severity,
                    "active": r.active,
                    "created_at": r.created_at,
                }
                for r in rules
            ],
        ),
    ]


def erase_alerts(user: User) -> None:
    Alert.objects.filter(customer=user).delete()
    AlertRule.objects.filter(customer=user).delete()
    Alert.objects.filter(acknowledged_by=user).update(acknowledged_by=None)
    Alert.objects.filter(resolved_by=user).update(resolved_by=None)
    AlertRule.objects.filter(created_by=user).update(created_by=None)
    AlertSummary.objects.filter(professional=user).delete()


register(
    "advice.alerts",
    models=("advice.AlertRule", "advice.Alert", "advice.AlertSummary"),
    export=export_alerts,
    erase=erase_alerts,
    keeps="alerts and rules a professional acted on or wrote stay, without them",
)
