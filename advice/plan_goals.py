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

from accounts.models import User
from advice.goal_status import zone_of
from advice.goals import MAX_TIMES, SYMBOLS, set_goal
from advice.models import CarePlan, Goal
from core.errors import ServiceError
from profiles.catalogue import TestIndex
from profiles.results import check_value
from profiles.units import label, to_canonical

MAX_GOALS = 10
MAX_DUE_DAYS = 3_650
MAX_TITLE = 200
MAX_HABIT = 120


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
    if len(text) > limit or "\x00" in text:
        raise _bad(f"at most {limit} characters, no NUL", field)
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
    test = index.by_code.get(code) if isinstance(code, str) else None
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
    """The specs as stored (checked and normalised), or ``ServiceError`` naming the field
    (``goals.{i}.{name}``)."""
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
    return checked


def spec_title(spec: dict[str, Any], index: TestIndex | None = None) -> str:
    """How a spec reads (its own title, or as the goal it proposes would be named)."""
    if spec.get("title"):
        return str(spec["title"])
    if spec.get("kind") == Goal.Kind.TARGET:
        test = (index or TestIndex()).by_code.get(spec.get("test", ""))
        name = test.name() if test is not None else str(spec.get("test"))
        symbol = SYMBOLS.get(spec.get("comparison", ""), "")
        return f"{name} {symbol} {spec.get('target', 0):g} {label(spec.get('unit', ''))}".strip()
    every = "every day" if spec.get("period") == Goal.Period.DAY else "a week"
    times = spec.get("times", 1)
    count = "" if times == 1 and spec.get("period") == Goal.Period.DAY else f" {times} times"
    return f"{spec.get('habit', '')}{count} {every}"


def specs_out(specs: list[Any], index: TestIndex | None = None) -> list[dict[str, Any]]:
    """The specs as an answer shows them (each with the words it reads as)."""
    index = index or TestIndex()
    return [{**s, "shown_as": spec_title(s, index)} for s in specs if isinstance(s, dict)]


def propose(actor: User, plan: CarePlan, specs: list[dict[str, Any]]) -> list[Goal]:
    """Each spec as a goal proposed to the plan's customer (``set_goal``'s checks and
    notice); a refusal names the goal it is about (``goals.{i}.{field}``)."""
    if not specs:
        return []
    customer = User.objects.get(pk=plan.customer_id)
    today = dt.datetime.now(dt.UTC).astimezone(zone_of(customer)).date()
    proposed = []
    for i, spec in enumerate(specs):
        args: dict[str, Any] = {"kind": spec["kind"], "title": spec.get("title", "")}
        if spec["kind"] == Goal.Kind.TARGET:
            args.update(test=spec["test"], comparison=spec["comparison"], target=spec["target"])
            args["unit"] = spec.get("unit")
            if spec.get("due_in_days"):
                args["due_on"] = today + dt.timedelta(days=int(spec["due_in_days"]))
        else:
            args.update(habit=spec["habit"], times=spec["times"], period=spec["period"])
            if spec.get("remind_at"):
                args["remind_at"] = dt.time.fromisoformat(spec["remind_at"])
        try:
            proposed.append(set_goal(actor, plan.customer_id, plan_id=plan.pk, **args))
        except ServiceError as error:
            error.field = f"goals.{i}.{error.field}" if error.field else f"goals.{i}"
            raise
    return proposed


def new_specs(published: list[Any], before: list[Any] | None) -> list[dict[str, Any]]:
    """The specs of a version being published that the version in force before it did
    not hold (the same spec in both was proposed already)."""
    earlier = [s for s in (before or []) if isinstance(s, dict)]
    return [s for s in published if isinstance(s, dict) and s not in earlier]
