"""Two versions of a care plan side by side, as a structured difference the customer's
page shows in words: the Markdown body line by line, and each list (recommendations,
tasks, attachments, the goals it proposes) item by item, every entry ``added``,
``removed`` or ``unchanged`` (``difflib``: a replaced line is the old one removed, then
the new one added).

By default a version is compared with the one before it; any two the viewer may read can
be compared (a customer: published versions only, so a draft never shows through)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from accounts.models import User
from advice.models import CarePlan, CarePlanVersion
from advice.plan_goals import spec_key, spec_title
from advice.plan_reads import GoalsSeen, readable_versions
from core.errors import NotFound, ServiceError
from profiles.catalogue import TestIndex


def diff(old: Sequence[str], new: Sequence[str]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.extend({"op": "unchanged", "text": t} for t in new[b1:b2])
            continue
        out.extend({"op": "removed", "text": t} for t in old[a1:a2])
        out.extend({"op": "added", "text": t} for t in new[b1:b2])
    return out


def _attachment(a: dict[str, str]) -> str:
    return f"{a['title']} <{a['url']}>"


def _goals(version: CarePlanVersion, seen: GoalsSeen | None) -> list[str]:
    """A version's goals as they read (for the customer, those proposed to them only)."""
    specs = [g for g in version.goals if isinstance(g, dict)]
    index = seen.index if seen is not None else TestIndex()
    if seen is not None and seen.customer:
        specs = [g for g in specs if spec_key(g, index) in seen.proposed]
    return [spec_title(g, index) for g in specs]


def compare_versions(
    old: CarePlanVersion | None, new: CarePlanVersion, seen: GoalsSeen | None = None
) -> dict[str, Any]:
    """``old`` None: the first version, everything added."""
    before: dict[str, Any] = {
        "title": old.title if old else "",
        "body": old.body.splitlines() if old else [],
        "recommendations": list(old.recommendations) if old else [],
        "tasks": [t.get("text", "") for t in old.tasks] if old else [],
        "attachments": [_attachment(a) for a in old.attachments] if old else [],
        "goals": _goals(old, seen) if old else [],
    }
    return {
        "from": old.number if old else None,
        "to": new.number,
        "title": {
            "from": before["title"],
            "to": new.title,
            "changed": before["title"] != new.title,
        },
        "body": diff(before["body"], new.body.splitlines()),
        "recommendations": diff(before["recommendations"], list(new.recommendations)),
        "tasks": diff(before["tasks"], [t.get("text", "") for t in new.tasks]),
        "attachments": diff(before["attachments"], [_attachment(a) for a in new.attachments]),
        "goals": diff(before["goals"], _goals(new, seen)),
        "change_note": new.change_note,
        "published_at": new.published_at,
    }


def compare(
    viewer: User, plan_id: int, from_number: int | None, to_number: int | None
) -> tuple[CarePlan, dict[str, Any]]:
    """``to``: by default the version in force (the latest draft for a plan never
    published); ``from``: by default the version before ``to``."""
    plan, versions, seen = readable_versions(viewer, plan_id)
    by_number = {v.number: v for v in versions}
    if not versions:
        raise NotFound("this plan has no version to compare")
    if to_number is None:
        to_number = plan.published_version if plan.published_version in by_number else 0
        to_number = to_number or versions[-1].number
    new = by_number.get(to_number)
    if new is None:
        raise NotFound("no such version of this plan")
    if from_number is None:
        earlier = [v for v in versions if v.number < to_number]
        old = earlier[-1] if earlier else None
    else:
        if from_number == to_number:
            raise ServiceError("compare two different versions", field="from")
        old = by_number.get(from_number)
        if old is None:
            raise NotFound("no such version of this plan")
    return plan, compare_versions(old, new, seen)
