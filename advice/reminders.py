"""Habit reminders: at each habit goal's ``remind_at``, in the customer's own time zone,
one reminder a local day while the habit is not done enough for its period (its day, or
its week). ``HabitReminder`` (one row per goal and local day, unique) makes it once: a job
run twice, side by side or after a restart, sends nothing more. Across DST: a time the
clocks skip (02:30 on a spring-forward night) is reminded at the first minute that exists
after it (03:00); a time they pass twice (fall back) at the first, once. A time that has
come today and was missed (the server down) is reminded when the job next runs, that
same local day. ``advice.tasks`` runs it every minute; what the reminder says is
``advice.goal_notices``."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import IntegrityError, transaction
from django.utils import timezone

from advice.goal_notices import PAGE, REMINDER, reminder_title
from advice.goal_status import local_midnight, period_start, wall_time, zone_of
from advice.models import CheckIn, Goal, HabitReminder
from notifications.services import email_if_wanted, notify


def send_habit_reminders(now: dt.datetime | None = None) -> int:
    """Send the reminders due by ``now``; returns how many were sent."""
    now = now or timezone.now()
    goals = Goal.objects.filter(
        kind=Goal.Kind.HABIT,
        status=Goal.Status.ACTIVE,
        remind_at__isnull=False,
        customer__is_active=True,
    ).select_related("customer")
    due: dict[int, tuple[Goal, dt.date]] = {}
    for goal in goals:
        zone = zone_of(goal.customer)
        today = now.astimezone(zone).date()
        if today < goal.starts_on or (goal.due_on is not None and today > goal.due_on):
            continue
        assert goal.remind_at is not None  # filtered above
        if wall_time(today, goal.remind_at, zone) <= now:
            due[goal.pk] = (goal, today)
    if not due:
        return 0
    sent_already = set(
        HabitReminder.objects.filter(
            goal_id__in=list(due), local_date__in={day for _, day in due.values()}
        ).values_list("goal_id", "local_date")
    )
    pending = {pk: gd for pk, gd in due.items() if (pk, gd[1]) not in sent_already}
    done = _done_this_period(pending, now)
    sent = 0
    for pk, (goal, day) in pending.items():
        if done[pk] >= (goal.times or 1):
            continue
        try:
            with transaction.atomic():
                HabitReminder.objects.create(goal=goal, local_date=day, sent_at=now)
                data: dict[str, int | str] = {"goal": goal.pk}
                notify(
                    goal.customer,
                    REMINDER,
                    reminder_title(goal),
                    url=PAGE,
                    data=data,
                    source=f"goal:{goal.pk}",
                )
                email_if_wanted([goal.customer_id], REMINDER, data)
        except IntegrityError:  # another run sent it meanwhile
            continue
        sent += 1
    return sent


def _done_this_period(goals: dict[int, tuple[Goal, dt.date]], now: dt.datetime) -> Counter[int]:
    """Each goal's habit check-ins in its current local period (one query)."""
    starts = {
        pk: local_midnight(period_start(goal.period, day), zone_of(goal.customer))
        for pk, (goal, day) in goals.items()
    }
    if not starts:
        return Counter()
    rows = CheckIn.objects.filter(
        goal_id__in=list(starts),
        kind=CheckIn.Kind.HABIT,
        at__gte=min(starts.values()),
        at__lte=now,
    ).values_list("goal_id", "at")
    return Counter(pk for pk, at in rows if at >= starts[pk])
