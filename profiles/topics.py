"""``health:{customer_id}``: that something in a customer's health record changed, for
the customer and the professionals in their care team who may see it now.

Ephemeral, and no event carries a value: each names what changed (a result of a test, the
profile) and the follower reads it through the API, which applies the audience of every
field and audits the read. So no copy of a health value sits in the event log, and a
narrowed audience or a withdrawn consent needs no copy withdrawn. Following is checked
again whenever rights narrow (``accounts.signals.narrow_rights``): a professional who
leaves the care team, or whose customer withdraws consent to care, stops hearing.

``export.progress`` on the member's own ``user:{id}``: how their download of all their
data is coming along (ephemeral too).
"""

from __future__ import annotations

from typing import Literal

from accounts.bounds import id_from_key
from accounts.models import User
from profiles.permissions import Relation, relation_to
from realtime.publish import publish
from realtime.registry import EventSchema, TopicKind, registry


class HealthChanged(EventSchema):
    customer: int
    # "result": a result was added or amended; "profile": profile values changed;
    # "audience": who sees a test's results changed (which test is not said: read again).
    what: Literal["result", "profile", "audience"]
    # For a result: the test's code and the result's id (read it through the API).
    test: str | None = None
    result: int | None = None
    # For the profile: the keys of the fields that changed.
    keys: list[str] | None = None


def topic_of(customer_id: int) -> str:
    return f"health:{customer_id}"


def can_follow_health(user: User, key: str) -> bool:
    customer_id = id_from_key(key)
    return customer_id is not None and relation_to(user, customer_id) >= Relation.CARE


class ExportProgress(EventSchema):
    """On the member's own ``user:{id}``: how their download is coming along (never
    stored: the next one says more, and the API says where it stands)."""

    id: int
    status: Literal["queued", "running", "ready", "failed"]
    progress: int


registry.add_topic_kind(TopicKind("health", can_follow_health, durable=False))
registry.add_event("health.changed", HealthChanged)
registry.add_event("export.progress", ExportProgress, ephemeral=True)


def tell_result(customer_id: int, test_code: str, result_id: int) -> None:
    """After the commit: a result the care team may see was added or amended. Call only
    for results whose audience includes the care team (others are the customer's own)."""
    publish(
        topic_of(customer_id),
        "health.changed",
        {"customer": customer_id, "what": "result", "test": test_code, "result": result_id},
    )


def tell_audience(customer_id: int) -> None:
    """After the commit: the customer changed who sees a test's results. The test is not
    named (the care team may see it no more); followers read what they may see again."""
    publish(topic_of(customer_id), "health.changed", {"customer": customer_id, "what": "audience"})


def tell_profile(customer_id: int, keys: list[str]) -> None:
    """After the commit: profile fields the care team may see changed (their keys only)."""
    if keys:
        publish(
            topic_of(customer_id),
            "health.changed",
            {"customer": customer_id, "what": "profile", "keys": sorted(keys)},
        )


def tell_export(customer_id: int, export_id: int, status: str, progress: int) -> None:
    """How the member's download ``export_id`` stands, on their own ``user:{id}`` (after
    the commit, if there is a transaction)."""
    publish(
        f"user:{customer_id}",
        "export.progress",
        {"id": export_id, "status": status, "progress": progress},
    )
