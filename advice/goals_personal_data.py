"""What goals and check-ins keep about a member: as a customer, their goals, check-ins and
the reminders sent of them, in their download and deleted on erasure (a measurement's
result goes with the health record, ``profiles``). A professional's goals set for or
dropped on customers stay with the customers (``set_by``, ``dropped_by``, by their id,
shown by their name as it is now)."""

from __future__ import annotations

from accounts.models import User
from accounts.personal_data import Part, Table, register
from advice.models import CheckIn, Goal, HabitReminder

GOAL_COLUMNS = (
    "id",
    "kind",
    "title",
    "status",
    "progress",
    "at_risk",
    "missed",
    "set_by_care_team",
    "test",
    "comparison",
    "target",
    "unit",
    "baseline",
    "habit",
    "times",
    "period",
    "remind_at",
    "starts_on",
    "due_on",
    "accepted_at",
    "dropped_at",
    "drop_reason",
    "achieved_at",
    "created_at",
)
CHECK_IN_COLUMNS = (
    "id",
    "kind",
    "at",
    "recorded_at",
    "audience",
    "goal",
    "mood",
    "symptoms",
    "note",
    "result",
)


def export_goals(user: User) -> list[Part]:
    goals = Goal.objects.filter(customer=user).select_related("test").order_by("created_at", "id")
    check_ins = CheckIn.objects.filter(customer=user).order_by("at", "id")
    reminders = HabitReminder.objects.filter(goal__customer=user).order_by("sent_at", "id")
    return [
        Table(
            "goals",
            [
                {
                    "id": g.pk,
                    "kind": g.kind,
                    "title": g.title,
                    "status": g.status,
                    "progress": g.progress,
                    "at_risk": g.at_risk,
                    "missed": g.missed,
                    "set_by_care_team": g.set_by_id not in (None, user.pk),
                    "test": g.test.code if g.test else "",
                    "comparison": g.comparison,
                    "target": g.target,
                    "unit": g.test.unit if g.test else "",
                    "baseline": g.baseline,
                    "habit": g.habit,
                    "times": g.times,
                    "period": g.period,
                    "remind_at": g.remind_at,
                    "starts_on": g.starts_on,
                    "due_on": g.due_on,
                    "accepted_at": g.accepted_at,
                    "dropped_at": g.dropped_at,
                    "drop_reason": g.drop_reason,
                    "achieved_at": g.achieved_at,
                    "created_at": g.created_at,
                }
                for g in goals
            ],
            columns=GOAL_COLUMNS,
        ),
        Table(
            "check-ins",
            [
                {
                    "id": c.pk,
                    "kind": c.kind,
                    "at": c.at,
                    "recorded_at": c.recorded_at,
                    "audience": c.audience,
                    "goal": c.goal_id,
                    "mood": c.mood,
                    "symptoms": ", ".join(c.symptoms),
                    "note": c.note,
                    "result": c.result_id,
                }
                for c in check_ins
            ],
            columns=CHECK_IN_COLUMNS,
        ),
        Table(
            "habit-reminders",
            [
                {"goal": r.goal_id, "local_date": r.local_date, "sent_at": r.sent_at}
                for r in reminders
            ],
            columns=("goal", "local_date", "sent_at"),
        ),
    ]


def erase_goals(user: User) -> None:
    CheckIn.objects.filter(customer=user).delete()
    # Their reminders go with their goals (cascade).
    Goal.objects.filter(customer=user).delete()


register(
    "advice.goals",
    models=("advice.Goal", "advice.CheckIn", "advice.HabitReminder"),
    export=export_goals,
    erase=erase_goals,
    keeps="goals a professional set or dropped for a customer keep the professional's id",
)
