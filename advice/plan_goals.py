"""The goals a care plan proposes: part of the plan's words (each version, and a template,
holds a list of goal specs), proposed to the customer as goals of their own when the
version is published.

A spec is the dietitian's words, not the customer's data: a target on a test (``test``
code, ``comparison``, ``target`` in ``unit`` or the test's own, and ``due_in_days``: a plan
or a template has no date of its own, so the due date counts from the day it is proposed)
or a habit (``habit``, ``times`` a ``period``, an optional local ``remind_at``), each with
an optional ``title``. ``check_goal_specs`` checks what holds whoever the customer is (the
test is in the catalogue, the unit is one it takes, the target is a value a person can
have, the cadence is possible); the rest is checked when the goal is proposed, by the
goals part's own ``set_goal`` (the customer shares the test with the care team).

When a version is published, each of its specs that the version in force before it did
not already hold is proposed (``propose_new_goals``): a goal of the customer's own, named
by the plan (``Goal.plan``), ``proposed`` until they accept it, with the notice every
proposed goal gets. A spec that cannot be proposed to this customer (a test they keep from
the care team) refuses the publish, naming the goal; nothing is stored. A plan sent to a
group proposes its goals to each customer after the commit, skipping those it cannot (the
sender already sees what each customer shares with them; the answer names nobody). Taking
a goal out of a later version drops nothing: goals are dropped on the goals page, by
either side, with a reason.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db import transaction

from accounts.models import User
from advice.goal_status import zone_of
from advice.goals import MAX_TIMES, SYMBOLS, habit_words, set_goal
from advice.models import CarePlan, Goal
from core.errors import ServiceError
from profiles.catalogue import TestIndex
from profiles.results import check_value
from profiles.units import label, to_canonical

MAX_GOALS = 10
MAX_DUE_DAYS = 3_650
MAX_TITLE = 200
MAX_HABIT = 120
# Characters that change how the words around them read or hide: direction overrides and
# isolates, zero-width spaces, the byte-order mark.
INVISIBLE = frozenset(
    "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


def _bad(message: str, field: str) -> ServiceError:
    return ServiceError(message, code="invalid_field", field=field)


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _bad("a number", field)
    return float(value)


def _whole(value: object, field: str, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"{what}: a whole number from {low} to {high}", field)
    return value


def _words(value: object, field: str, limit: int, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _bad("text", field)
    text = " ".join(value.split())
    if required and not text:
        raise _bad("must not be empty", field)
    if len(text) > limit:
        raise _bad(f"at most {limit} characters", field)
    if any(ord(ch) < 32 or ord(ch) == 127 or ch in INVISIBLE for ch in text):
        raise _bad("no control, direction or zero-width characters", field)
    return text


TARGET_FIELDS = ("test", "comparison", "target", "unit", "due_in_days")
HABIT_FIELDS = ("habit", "times", "period", "remind_at")


def _only(spec: dict[str, Any], at: str, others: tuple[str, ...], kind: str) -> None:
    for name in others:
        if spec.get(name) not in (None, ""):
            raise _bad(f"a {kind} has no {name}", f"{at}.{name}")


def _target(spec: dict[str, Any], at: str, index: TestIndex) -> dict[str, Any]:
    _only(spec, at, HABIT_FIELDS, "target")
    code = spec.get("test")
    test = index.find(code) if isinstance(code, str) else None  # active tests only
    if test is None:
        raise ServiceError(
            f"no test {code!r} in the catalogue", code="unknown_test", field=f"{at}.test"
        )
    comparison = spec.get("comparison")
    if comparison not in Goal.Comparison.values:
        raise _bad("compare with lt, lte, gt or gte", f"{at}.comparison")
    target = _number(spec.get("target"), f"{at}.target")
    unit = spec.get("unit") or test.unit
    if not isinstance(unit, str):
        raise _bad("a unit the test takes", f"{at}.unit")
    canonical, entered = to_canonical(test, target, unit, field=f"{at}.unit")
    check_value(test, canonical, entered, field=f"{at}.target")
    out: dict[str, Any] = {
        "kind": Goal.Kind.TARGET.value,
        "test": test.code,
        "comparison": comparison,
        "target": target,
        "unit": entered,
    }
    if spec.get("due_in_days") is not None:
        out["due_in_days"] = _whole(
            spec["due_in_days"], f"{at}.due_in_days", 1, MAX_DUE_DAYS, "days"
        )
    return out


def _habit(spec: dict[str, Any], at: str) -> dict[str, Any]:
    _only(spec, at, TARGET_FIELDS, "habit")
    habit = _words(spec.get("habit"), f"{at}.habit", MAX_HABIT, required=True)
    period = spec.get("period")
    if period not in Goal.Period.values:
        raise _bad("a habit's period is day or week", f"{at}.period")
    most = MAX_TIMES[Goal.Period(period)]
    times = _whole(spec.get("times"), f"{at}.times", 1, most, f"times a {period}")
    out: dict[str, Any] = {
        "kind": Goal.Kind.HABIT.value,
        "habit": habit,
        "times": times,
        "period": period,
    }
    remind_at = spec.get("remind_at")
    if remind_at not in (None, ""):
        try:
            at_time = dt.time.fromisoformat(str(remind_at))
        except ValueError:
            raise _bad("a local time as HH:MM", f"{at}.remind_at") from None
        out["remind_at"] = at_time.strftime("%H:%M")
    return out


def check_goal_specs(value: object, index: TestIndex | None = None) -> list[dict[str, Any]]:
    """The specs as stored (checked and normalised, each goal once), or ``ServiceError``
    naming the field (``goals.{i}.{name}``)."""
    specs = list(value) if isinstance(value, list | tuple) else None
    if specs is None or len(specs) > MAX_GOALS:
        raise _bad(f"goals: a list of at most {MAX_GOALS}", "goals")
    index = index or TestIndex()
    checked = []
    for i, spec in enumerate(specs):
        at = f"goals.{i}"
        if not isinstance(spec, dict):
            raise _bad("a goal is a target on a test or a habit", at)
        kind = spec.get("kind")
        if kind == Goal.Kind.TARGET:
            out = _target(spec, at, index)
        elif kind == Goal.Kind.HABIT:
            out = _habit(spec, at)
        else:
            raise _bad("a goal's kind is target or habit", f"{at}.kind")
        title = _words(spec.get("title"), f"{at}.title", MAX_TITLE, required=False)
        if title:
            out["title"] = title
        checked.append(out)
    # The same goal asked twice is kept once (the first, with its words).
    kept: dict[tuple[Any, ...], dict[str, Any]] = {}
    for out in checked:
        kept.setdefault(spec_key(out, index), out)
    return list(kept.values())


def spec_title(spec: dict[str, Any], index: TestIndex | None = None) -> str:
    """How a spec reads: its own title, or the words the goal it proposes is named by (the
    title it is proposed with: the same words on the plan and on the goals page)."""
    if spec.get("title"):
        return str(spec["title"])
    if spec.get("kind") == Goal.Kind.TARGET:
        test = (index or TestIndex()).by_code.get(str(spec.get("test", "")))
        name = test.name() if test is not None else str(spec.get("test"))
        symbol = SYMBOLS.get(str(spec.get("comparison", "")), "")
        target = spec.get("target", 0)
        number = f"{target:g}" if isinstance(target, int | float) else str(target)
        return f"{name} {symbol} {number} {label(str(spec.get('unit', '')))}".strip()
    return habit_words(str(spec.get("habit", "")), spec.get("times"), str(spec.get("period")))


def spec_key(spec: dict[str, Any], index: TestIndex) -> tuple[Any, ...]:
    """What a spec asks, whatever its words: a goal of the plan asking the same is the same
    goal (a title or a due date changed proposes nothing new)."""
    if spec.get("kind") == Goal.Kind.TARGET:
        return ("target", spec.get("test"), spec.get("comparison"), _canonical(spec, index))
    habit = " ".join(str(spec.get("habit", "")).split()).lower()
    return ("habit", habit, spec.get("times"), spec.get("period"))


def _canonical(spec: dict[str, Any], index: TestIndex) -> float | None:
    test = index.by_code.get(str(spec.get("test", "")))
    if test is None:
        return None
    try:
        value, _ = to_canonical(test, float(spec["target"]), str(spec.get("unit") or test.unit))
    except (KeyError, TypeError, ValueError, ServiceError):
        return None
    return round(value, 4)


def goal_key(goal: Goal, codes: dict[int, str]) -> tuple[Any, ...]:
    """``spec_key`` of a goal already proposed (``codes``: test ids to codes)."""
    if goal.kind == Goal.Kind.TARGET:
        return ("target", codes.get(goal.test_id or 0), goal.comparison, goal.target)
    return ("habit", " ".join(goal.habit.split()).lower(), goal.times, goal.period)


def proposed_keys(plan_ids: list[int]) -> dict[int, set[tuple[Any, ...]]]:
    """For each plan, the keys of the goals it proposed (one query)."""
    codes = {t.pk: t.code for t in TestIndex().tests}
    out: dict[int, set[tuple[Any, ...]]] = {pk: set() for pk in plan_ids}
    for goal in Goal.objects.filter(plan_id__in=plan_ids).only(
        "plan_id", "kind", "test_id", "comparison", "target", "habit", "times", "period"
    ):
        out.setdefault(goal.plan_id or 0, set()).add(goal_key(goal, codes))
    return out


def specs_out(
    specs: list[Any], index: TestIndex | None = None, proposed: set[tuple[Any, ...]] | None = None
) -> list[dict[str, Any]]:
    """The specs as an answer shows them, each with the words it reads as and, where the
    caller knows the plan's goals (``proposed``), whether it was proposed."""
    dicts = [s for s in specs if isinstance(s, dict)]
    if not dicts:
        return []
    index = index or TestIndex()
    return [
        {
            **s,
            "shown_as": spec_title(s, index),
            "proposed": None if proposed is None else spec_key(s, index) in proposed,
        }
        for s in dicts
    ]


def _goal_args(spec: dict[str, Any], today: dt.date, index: TestIndex) -> dict[str, Any]:
    args: dict[str, Any] = {"kind": spec["kind"], "title": spec_title(spec, index)}
    if spec["kind"] == Goal.Kind.TARGET:
        args.update(test=spec["test"], comparison=spec["comparison"], target=spec["target"])
        args["unit"] = spec.get("unit")
        if spec.get("due_in_days"):
            args["due_on"] = today + dt.timedelta(days=int(spec["due_in_days"]))
    else:
        args.update(habit=spec["habit"], times=spec["times"], period=spec["period"])
        if spec.get("remind_at"):
            args["remind_at"] = dt.time.fromisoformat(spec["remind_at"])
    return args


def to_propose(plan: CarePlan, specs: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    """(index in the version, spec) of the specs no goal of the plan asks already (each
    asked once, however often the version or its words repeat it)."""
    seen = proposed_keys([plan.pk])[plan.pk]
    index = TestIndex()
    out = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict):
            continue
        key = spec_key(spec, index)
        if key not in seen:
            seen.add(key)
            out.append((i, spec))
    return out


def propose(
    actor: User, plan: CarePlan, specs: list[Any], *, skip_refused: bool = False
) -> list[Goal]:
    """The plan's goal specs that no goal of the plan asks yet, each as a goal proposed to
    its customer (``set_goal``'s checks). A refusal names the goal it is about
    (``goals.{i}.{field}``); with ``skip_refused`` (a plan sent to a group) that goal is
    passed over, in a savepoint, and the others go on. The customer is not told goal by
    goal: the plan's own notice says a plan waits, and its goals wait on the goals page."""
    wanted = to_propose(plan, specs)
    if not wanted:
        return []
    customer = User.objects.get(pk=plan.customer_id)
    today = dt.datetime.now(dt.UTC).astimezone(zone_of(customer)).date()
    index = TestIndex()
    proposed = []
    for i, spec in wanted:
        args = _goal_args(spec, today, index)
        try:
            with transaction.atomic():
                proposed.append(
                    set_goal(actor, plan.customer_id, plan_id=plan.pk, notify=False, **args)
                )
        except ServiceError as error:
            if skip_refused:
                continue
            error.field = f"goals.{i}.{error.field}" if error.field else f"goals.{i}"
            raise
    return proposed
