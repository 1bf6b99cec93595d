"""Check-ins: what a customer logs quickly, on the phone. A habit done (one of their active
habit goals), a meal note, a mood (1 to 5), symptoms (words of ``SYMPTOMS`` and a note),
a measurement (a result of their health record, stored through
``profiles.results.record_result`` and linked as ``CheckIn.result``).

- ``at`` defaults to now; one more than ``CHECK_IN_AHEAD_MINUTES`` ahead or older than
  ``CHECK_IN_MAX_AGE_DAYS`` is refused (400), nothing stored.
- ``client_id``: a retried send is stored once, and answered with the same check-in.
- ``audience``: ``care_team`` (default) or ``private`` ("only me"), which only a mood, a
  meal or symptoms may be: a habit done counts toward its goal, which the care team
  follows, and a measurement is a result of the health record, shared as the customer
  chose for its test (400, field ``audience``, nothing stored). The care team (relation
  CARE) sees the check-ins shared with it, a measurement only while it also sees the
  test's results (``care_team_may_see``); each read is in the customer's access log.
  Whatever the care team reads about check-ins (a habit's progress and missed days, the
  dashboard) counts only those shared with it, private ones stored before this rule too.
- After the commit: ``advice.signals.checked_in`` for every kind but a measurement (a
  result sends ``profiles.signals.results_written``), and ``care.activity`` to the care
  team for a check-in it may see (stored or deleted).

A habit check-in in the lean path: the goal (locked, so two taps count twice), the
insert, the goal's check-ins of this period and the week before, the goal's update; with a
``client_id``, one look-up more; and one to find whom to tell (``advice.topics.watching``,
which for a measurement also asks whether the care team sees its test).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import record_access
from accounts.models import User
from accounts.roles import Role
from advice.goal_status import (
    evaluate,
    local_midnight,
    period_days,
    period_start,
    zone_of,
)
from advice.goals import shared_tests
from advice.models import CheckIn, Goal
from advice.signals import checked_in
from advice.topics import tell_care_team, watching
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from profiles.permissions import Relation
from profiles.records import open_record
from profiles.results import record_result
from profiles.units import label

Kind = CheckIn.Kind
AUDIENCES = ("care_team", "private")
# "Only me" is for the check-ins that stand alone. A habit done counts toward its goal,
# which the care team follows; a measurement goes into the health record, shared as the
# customer chose for its test (on the Results page).
PRIVATE_KINDS = (Kind.MOOD, Kind.MEAL, Kind.SYMPTOM)
NOT_PRIVATE: dict[str, str] = {
    Kind.HABIT: "a habit done counts toward its goal, which your care team follows: "
    "it cannot be only yours",
    Kind.MEASUREMENT: "a measurement goes into your health record, shared as you chose "
    "for its test on the Results page (/results): it cannot be only yours here",
}
# What symptoms a check-in names (a note says the rest, in the customer's words).
SYMPTOMS = (
    "bloating",
    "constipation",
    "cravings",
    "diarrhoea",
    "dizziness",
    "fatigue",
    "headache",
    "heartburn",
    "hunger",
    "nausea",
    "poor_sleep",
    "stomach_pain",
)
NOT_FOUND = "no such check-in"


def _invalid(message: str, field: str, code: str = "invalid_field") -> ServiceError:
    return ServiceError(message, code=code, field=field)


def check_moment(at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if at is None:
        return now
    if at.tzinfo is None:
        raise _invalid("give the time with its UTC offset", "at")
    if at > now + dt.timedelta(minutes=settings.CHECK_IN_AHEAD_MINUTES):
        raise _invalid("a check-in cannot be in the future", "at", "future_date")
    if at < now - dt.timedelta(days=settings.CHECK_IN_MAX_AGE_DAYS):
        raise _invalid(
            f"a check-in is at most {settings.CHECK_IN_MAX_AGE_DAYS} days old", "at", "too_old"
        )
    return at.astimezone(dt.UTC)


def _check_fields(
    kind: str,
    audience: str,
    goal_id: int | None,
    mood: int | None,
    symptoms: list[str],
    note: str,
    test: str | None,
) -> None:
    """Refuse what a kind does not take before anything is looked up."""
    if kind not in Kind.values:
        raise _invalid("a check-in is a habit, meal, mood, symptom or measurement", "kind")
    if audience not in AUDIENCES:
        raise _invalid("a check-in is for your care team or private", "audience")
    if audience == "private" and kind not in PRIVATE_KINDS:
        raise _invalid(NOT_PRIVATE[kind], "audience")
    if (goal_id is not None) != (kind == Kind.HABIT):
        raise _invalid("a habit check-in, and only one, names its goal", "goal_id")
    if (mood is not None) != (kind == Kind.MOOD):
        raise _invalid("a mood check-in, and only one, gives a mood from 1 to 5", "mood")
    if mood is not None and not 1 <= mood <= 5:
        raise _invalid("a mood is from 1 (low) to 5 (great)", "mood")
    if symptoms and kind != Kind.SYMPTOM:
        raise _invalid("only a symptom check-in names symptoms", "symptoms")
    unknown = [s for s in symptoms if s not in SYMPTOMS]
    if unknown:
        raise _invalid(f"not a symptom we list: {unknown[0]!r} (say it in the note)", "symptoms")
    if len(set(symptoms)) != len(symptoms):
        raise _invalid("a symptom is named once", "symptoms")
    if kind == Kind.SYMPTOM and not symptoms and not note:
        raise _invalid("name a symptom or describe it", "symptoms")
    if kind == Kind.MEAL and not note:
        raise _invalid("say what the meal was", "note")
    if (test is not None) != (kind == Kind.MEASUREMENT):
        raise _invalid("a measurement check-in, and only one, names its test", "test")


def log_check_in(
    actor: User,
    *,
    kind: str,
    at: dt.datetime | None = None,
    client_id: str = "",
    audience: str = "care_team",
    goal_id: int | None = None,
    mood: int | None = None,
    symptoms: list[str] | None = None,
    note: str = "",
    test: str | None = None,
    value: float | None = None,
    unit: str | None = None,
) -> tuple[CheckIn, bool]:
    """A check-in by the customer ``actor``: (the check-in, whether it is new). A retried
    send (the same ``client_id``) is answered with the check-in stored the first time."""
    if actor.role != Role.CUSTOMER:
        raise Forbidden("customers check in")
    client_id = client_id.strip()
    if client_id:
        found = CheckIn.objects.filter(customer=actor, client_id=client_id).first()
        if found is not None:
            return found, False
    note = " ".join(note.split())
    symptoms = list(symptoms or [])
    _check_fields(kind, audience, goal_id, mood, symptoms, note, test)
    now = timezone.now()
    moment = check_moment(at, now)
    item = CheckIn(
        customer=actor,
        kind=kind,
        at=moment,
        recorded_at=now,
        audience=audience,
        client_id=client_id,
        mood=mood,
        symptoms=symptoms,
        note=note[:500],
    )
    try:
        return _store(item, goal_id, test, value, unit, now), True
    except IntegrityError:
        # The same client_id stored by a request beside this one: all of this request's
        # work (a measurement's result too) was rolled back; answer with that one.
        found = CheckIn.objects.filter(customer=actor, client_id=client_id).first()
        if not client_id or found is None:
            raise
        return found, False


def _store(
    item: CheckIn,
    goal_id: int | None,
    test: str | None,
    value: float | None,
    unit: str | None,
    now: dt.datetime,
) -> CheckIn:
    """In one transaction: the check-in (and its result), its goal evaluated again."""
    actor = item.customer
    goal: Goal | None = None
    with transaction.atomic():
        if item.kind == Kind.HABIT:
            goal = _active_habit(actor, goal_id, item.at)
            item.goal = goal
        elif item.kind == Kind.MEASUREMENT:
            if value is None:
                raise _invalid("give the value measured", "value")
            assert test is not None  # _check_fields says so
            item.result = record_result(
                actor, actor.pk, test_code=test, value=value, unit=unit or "", taken_at=item.at
            )
        item.save()
        if goal is not None:
            evaluate(goal, now)
        _tell(item)
    return item


def _active_habit(actor: User, goal_id: int | None, moment: dt.datetime) -> Goal:
    assert goal_id is not None  # _check_fields says so
    goal = (
        Goal.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk=goal_id, customer=actor, kind=Goal.Kind.HABIT)
        .first()
    )
    if goal is None:
        raise NotFound("no such habit goal of yours")
    goal.customer = actor  # the time zone is the actor's: no query for it
    if goal.status != Goal.Status.ACTIVE:
        raise Conflict(f"this goal is {goal.status}, not active", code="goal_not_active")
    if moment < local_midnight(goal.starts_on, zone_of(actor)):
        raise _invalid("that is before the goal started", "at")
    return goal


def _tell(item: CheckIn) -> None:
    """After the commit: the alert rules hear of it; the care team, if it may see it (one
    statement: who watches, and for a measurement whether they see its test)."""
    if item.kind != Kind.MEASUREMENT:
        ids = {
            "check_in_id": item.pk,
            "customer_id": item.customer_id,
            "kind": item.kind,
            "audience": item.audience,
            "mood": item.mood,
        }
        transaction.on_commit(lambda: checked_in.send(CheckIn, **ids), robust=True)
    if item.audience != "care_team":
        return
    test = item.result.test if item.result is not None else None
    if test is not None and test.derived:  # never entered, so never checked in: kept safe
        if not shared_tests(item.customer_id, {test.pk}):
            return
        test = None
    # One statement: who watches, and for a measurement whether they see its test (the
    # same answer as ``care_team_may_see``).
    watchers = watching(item.customer_id, test)
    if watchers:
        tell_care_team(item.customer_id, "check_in", item.pk, watchers=watchers)


def care_team_may_see(item: CheckIn) -> bool:
    """Whether the care team sees this check-in: shared with it and, a measurement, while
    the test's results are shared with it too. Every ``care.activity`` about a check-in
    asks this, as every read by the care team filters the same way."""
    if item.audience != "care_team":
        return False
    if item.result is not None:
        return bool(shared_tests(item.customer_id, {item.result.test_id}))
    return item.kind != Kind.MEASUREMENT


# --- reading, deleting --------------------------------------------------------------------


def check_ins_of(
    viewer: User, customer_id: int, before: dt.datetime | None = None, limit: int = 50
) -> dict[str, Any]:
    """Newest first, ``limit`` at a time (``next_before`` continues). The care team sees
    those shared with it (a measurement: while it sees the test); read audited."""
    record = open_record(viewer, customer_id)
    rows = CheckIn.objects.filter(customer=record.customer)
    if record.relation is not Relation.SELF:
        seen = [t.pk for t in record.visible_tests()]
        rows = rows.filter(audience="care_team").filter(
            ~Q(kind=Kind.MEASUREMENT) | Q(result__test_id__in=seen)
        )
    if before is not None:
        rows = rows.filter(at__lt=before)
    page = list(
        rows.select_related("goal", "result", "result__test").order_by("-at", "-id")[: limit + 1]
    )
    more = len(page) > limit
    page = page[:limit]
    if record.by_other:
        record_access(viewer, [record.customer], "read", "check-ins", "http")
    return {
        "items": [check_in_out(c) for c in page],
        "next_before": page[-1].at if more and page else None,
    }


def check_in_out(item: CheckIn) -> dict[str, Any]:
    result = item.result
    goal = item.goal
    return {
        "id": item.pk,
        "kind": item.kind,
        "at": item.at,
        "recorded_at": item.recorded_at,
        "audience": item.audience,
        "client_id": item.client_id or None,
        "goal": None if goal is None else {"id": goal.pk, "title": goal.title, "habit": goal.habit},
        "mood": item.mood,
        "symptoms": item.symptoms,
        "note": item.note,
        "measurement": None
        if result is None
        else {
            "result_id": result.pk,
            "test": result.test.code,
            "value": result.value,
            "unit": result.test.unit,
            "unit_label": label(result.test.unit),
            "entered_value": result.entered_value,
            "entered_unit": result.entered_unit,
        },
    }


def delete_check_in(actor: User, check_in_id: int) -> None:
    """The customer deletes their own check-in; its habit goal is evaluated again. A
    measurement's result stays in the health record (corrected there, never deleted)."""
    with transaction.atomic():
        item = (
            CheckIn.objects.select_for_update(of=("self",))
            .select_related("result")
            .filter(pk=check_in_id, customer=actor)
            .first()
        )
        if item is None:
            raise NotFound(NOT_FOUND)
        goal_id, shared = item.goal_id, care_team_may_see(item)
        item.delete()
        if goal_id is not None:
            goal = Goal.objects.select_for_update(of=("self",)).filter(pk=goal_id).first()
            if goal is not None:
                goal.customer = actor
                evaluate(goal)
        if shared:
            tell_care_team(actor.pk, "check_in", check_in_id)


# --- missed check-ins -------------------------------------------------------------------


def missed_check_ins(viewer: User, customer_id: int, days: int = 14) -> dict[str, Any]:
    """For each habit goal, the complete local days (or weeks) of the last ``days`` days
    that had fewer check-ins than asked (the goal's first period, a grace period, never).
    Only check-ins shared with the care team count, as for the goal's progress."""
    if not 1 <= days <= 90:
        raise _invalid("from 1 to 90 days", "days")
    record = open_record(viewer, customer_id)
    zone = zone_of(record.customer)
    now = timezone.now()
    today = now.astimezone(zone).date()
    first_day = today - dt.timedelta(days=days)
    goals = list(
        Goal.objects.filter(
            customer=record.customer,
            kind=Goal.Kind.HABIT,
            accepted_at__isnull=False,
            dropped_at__isnull=True,
        )
        .exclude(due_on__lt=first_day)
        .order_by("created_at", "id")
    )
    since = local_midnight(first_day - dt.timedelta(days=7), zone)
    counts: dict[int, Counter[dt.date]] = {g.pk: Counter() for g in goals}
    by_id = {g.pk: g for g in goals}
    # Only those shared with the care team count (a private one from before habits could
    # not be private any more stays out, as it does of the goal's progress).
    moments = CheckIn.objects.filter(
        goal_id__in=list(by_id), kind=Kind.HABIT, audience="care_team", at__gte=since
    ).values_list("goal_id", "at")
    for goal_id, moment in moments:
        goal = by_id[goal_id]
        counts[goal_id][period_start(goal.period, moment.astimezone(zone).date())] += 1
    out = []
    for goal in goals:
        times = goal.times or 1
        step = dt.timedelta(days=period_days(goal.period))
        grace = period_start(goal.period, goal.starts_on)
        periods = []
        period = period_start(goal.period, first_day)
        while period + step <= today:
            in_goal = period > grace and (goal.due_on is None or period <= goal.due_on)
            if period >= first_day - step + dt.timedelta(days=1) and in_goal:
                done = counts[goal.pk][period]
                if done < times:
                    periods.append({"start": period, "done": done, "times": times})
            period += step
        out.append(
            {
                "goal_id": goal.pk,
                "title": goal.title,
                "habit": goal.habit,
                "period": goal.period,
                "times": times,
                "missed": periods,
            }
        )
    if record.by_other:
        record_access(viewer, [record.customer], "read", "check-ins", "http")
    return {"customer_id": record.customer.pk, "days": days, "goals": out}
