"""A goal's status and progress, computed from results and check-ins, never typed.

A **target** on a test: the latest current result (taken by the end of the due date, once
it has passed) against the target. Progress runs from the baseline (the latest value when
the goal started) to the target, clamped to 0..1; a value that meets the target is 1.
Achieved while the latest value meets the target (``achieved_at``: when the first of the
values meeting it in a row was taken); missed once the due date passed without meeting it.
At risk: behind the straight line from the baseline at the start to the target at the due
date (an active goal with a due date only).

A **habit**: so many check-ins a day or a week, counted by the customer's own calendar
(``User.time_zone``; weeks from Monday). Progress is what is done this period out of
``times``; at risk when behind the period's pace (fewer than ``times`` times the share of
the period gone, rounded down: three walks a week are at risk with none by Thursday
noon); ``missed`` counts the check-ins missing over the last 7 complete local days (a
daily habit: each day's shortfall; a weekly one: the last complete week's). The period the
goal started in is a grace period, never counted missed. Adherence, over the whole goal:
the check-ins done (up to ``times`` a period) out of those asked; at the due date the goal
is achieved at ``settings.HABIT_ACHIEVED_ADHERENCE`` (80 %) or more, else missed.

Evaluation is one or two queries and one update: it runs in the check-in's request.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from advice.models import CheckIn, Goal
from profiles.models import Result

Status = Goal.Status
UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
# A target is at risk when its progress is this far behind the straight line from the
# start to the due date: a goal set today, or a day behind, is not.
AT_RISK_MARGIN = 0.15
# The computed fields an evaluation writes.
COMPUTED = ("status", "progress", "at_risk", "missed", "achieved_at", "evaluated_at")


def zone_of(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def wall_time(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """``at`` on ``day`` in ``zone`` as a moment: a time the clocks skip (spring forward)
    is the first minute that exists after it; a time they pass twice (fall back), the
    first of the two."""
    naive = dt.datetime.combine(day, at.replace(tzinfo=None))
    for _ in range(48 * 60):
        aware = naive.replace(tzinfo=zone, fold=0)
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
            return aware
        naive = naive.replace(second=0, microsecond=0) + MINUTE
    return aware  # no zone skips two days


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return wall_time(day, dt.time(0, 0), zone)


def period_start(period: str, day: dt.date) -> dt.date:
    """The first day of the period holding ``day`` (weeks start on Monday)."""
    return day - dt.timedelta(days=day.weekday()) if period == Goal.Period.WEEK else day


def period_days(period: str) -> int:
    return 7 if period == Goal.Period.WEEK else 1


def meets(value: float, comparison: str, target: float) -> bool:
    if comparison == Goal.Comparison.LT:
        return value < target
    if comparison == Goal.Comparison.LTE:
        return value <= target
    if comparison == Goal.Comparison.GT:
        return value > target
    return value >= target


def target_progress(goal: Goal, value: float | None) -> float:
    """From the baseline to the target, 0..1; 1 once the target is met."""
    if value is None or goal.target is None:
        return 0.0
    if meets(value, goal.comparison, goal.target):
        return 1.0
    if goal.baseline is None or goal.baseline == goal.target:
        return 0.0
    share = (value - goal.baseline) / (goal.target - goal.baseline)
    return min(1.0, max(0.0, share))


def elapsed_share(goal: Goal, now: dt.datetime, zone: ZoneInfo) -> float:
    """How much of the span from the start to the end of the due date has gone, 0..1."""
    if goal.due_on is None:
        return 0.0
    start = local_midnight(goal.starts_on, zone)
    end = local_midnight(goal.due_on + dt.timedelta(days=1), zone)
    if end <= start:
        return 1.0
    return min(1.0, max(0.0, (now - start) / (end - start)))


def due_passed(goal: Goal, today: dt.date) -> bool:
    return goal.due_on is not None and today > goal.due_on


def evaluate(goal: Goal, now: dt.datetime | None = None, *, save: bool = True) -> bool:
    """Compute the goal's status, progress, at_risk and missed now; store them (when
    ``save``). Returns whether the status changed. ``goal.customer`` is read for its time
    zone (select it with the goal to spare a query)."""
    now = now or timezone.now()
    before = goal.status
    if goal.dropped_at is not None:
        goal.status, goal.at_risk = Status.DROPPED, False
    elif goal.accepted_at is None:
        goal.status, goal.progress, goal.at_risk, goal.missed = Status.PROPOSED, 0.0, False, 0
    elif goal.kind == Goal.Kind.TARGET:
        _evaluate_target(goal, now)
    else:
        _evaluate_habit(goal, now)
    goal.evaluated_at = now
    if save and goal.pk is not None:
        Goal.objects.filter(pk=goal.pk).update(**{f: getattr(goal, f) for f in COMPUTED})
    return goal.status != before


def _evaluate_target(goal: Goal, now: dt.datetime) -> None:
    zone = zone_of(goal.customer)
    today = now.astimezone(zone).date()
    over = due_passed(goal, today)
    until = now
    if over and goal.due_on is not None:
        until = min(now, local_midnight(goal.due_on + dt.timedelta(days=1), zone))
    # The latest values, newest first, until one does not meet the target: the latest
    # says the status, the last of the run meeting it says since when.
    rows = Result.objects.filter(
        customer_id=goal.customer_id,
        test_id=goal.test_id,
        superseded_at__isnull=True,
        taken_at__lte=until,
    ).order_by("-taken_at", "-id")
    latest: float | None = None
    since: dt.datetime | None = None
    assert goal.target is not None  # a target goal has one (a database constraint)
    for value, taken_at in rows.values_list("value", "taken_at")[:50].iterator():
        if latest is None:
            latest = value
        if not meets(value, goal.comparison, goal.target):
            break
        since = taken_at
    goal.progress = target_progress(goal, latest)
    goal.missed = 0
    if since is not None:
        goal.status = Status.ACHIEVED
        goal.achieved_at = since
        goal.at_risk = False
        return
    goal.achieved_at = None
    goal.status = Status.MISSED if over else Status.ACTIVE
    goal.at_risk = not over and goal.progress + AT_RISK_MARGIN < elapsed_share(goal, now, zone)


def _evaluate_habit(goal: Goal, now: dt.datetime) -> None:
    zone = zone_of(goal.customer)
    today = now.astimezone(zone).date()
    times = goal.times or 1
    if due_passed(goal, today):
        assert goal.due_on is not None  # due_passed says so
        share = adherence(goal, goal.due_on, zone)
        goal.progress = share
        goal.at_risk = False
        goal.missed = 0
        if share + 1e-9 >= settings.HABIT_ACHIEVED_ADHERENCE:
            goal.status = Status.ACHIEVED
            goal.achieved_at = local_midnight(goal.due_on + dt.timedelta(days=1), zone)
        else:
            goal.status, goal.achieved_at = Status.MISSED, None
        return
    current = period_start(goal.period, today)
    # This period, and the 7 days (or the last complete week) before it.
    first = max(goal.starts_on, current - dt.timedelta(days=7))
    counts = count_by_period(goal, habit_times(goal, local_midnight(first, zone), now), zone)
    done = counts[current]
    goal.status, goal.achieved_at = Status.ACTIVE, None
    goal.progress = min(1.0, done / times)
    goal.missed = missed_last_week(goal, counts, today)
    start = local_midnight(current, zone)
    end = local_midnight(current + dt.timedelta(days=period_days(goal.period)), zone)
    gone = min(1.0, max(0.0, (now - start) / (end - start)))
    goal.at_risk = done < math.floor(times * gone + 1e-9)


def habit_times(goal: Goal, since: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """When the habit was done, from ``since`` to ``until`` (one query). Only check-ins
    shared with the care team count: the goal's progress and missed are the care team's
    to read (a private habit check-in stored before habits could not be private stays
    out)."""
    return list(
        CheckIn.objects.filter(
            goal_id=goal.pk,
            kind=CheckIn.Kind.HABIT,
            audience="care_team",
            at__gte=since,
            at__lte=until,
        ).values_list("at", flat=True)
    )


def count_by_period(goal: Goal, moments: Iterable[dt.datetime], zone: ZoneInfo) -> Counter[dt.date]:
    """Check-ins per period (by its first local day)."""
    return Counter(period_start(goal.period, m.astimezone(zone).date()) for m in moments)


def missed_last_week(goal: Goal, counts: Counter[dt.date], today: dt.date) -> int:
    """Check-ins missing over the last 7 complete local days; the goal's first period (a
    grace period) never counts."""
    times = goal.times or 1
    grace = period_start(goal.period, goal.starts_on)
    if goal.period == Goal.Period.WEEK:
        last = period_start(goal.period, today) - dt.timedelta(days=7)
        return max(0, times - counts[last]) if last > grace else 0
    days = (today - dt.timedelta(days=n) for n in range(1, 8))
    return sum(max(0, times - counts[day]) for day in days if day > grace)


def adherence(goal: Goal, until: dt.date, zone: ZoneInfo) -> float:
    """The check-ins done (up to ``times`` a period) out of those asked, from the goal's
    start to ``until`` (its periods; the first counts only when it was met)."""
    times = goal.times or 1
    start = local_midnight(goal.starts_on, zone)
    end = local_midnight(until + dt.timedelta(days=1), zone)
    counts = count_by_period(goal, habit_times(goal, start, end), zone)
    step = dt.timedelta(days=period_days(goal.period))
    first = period_start(goal.period, goal.starts_on)
    done = asked = 0
    period = first
    while period <= until:
        if period != first or counts[period] >= times:
            done += min(times, counts[period])
            asked += times
        period += step
    if asked == 0:
        return 1.0 if counts[first] else 0.0
    return done / asked
