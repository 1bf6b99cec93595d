"""``publish``: the one way an event leaves a service. Called only from services."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from realtime import events
from realtime.hub import RECHECK_FOLLOWERS, publish_message
from realtime.protocol import event_frame
from realtime.registry import registry


def next_seq(topic: str) -> int:
    """Reserve the next seq of a durable topic, for an event whose data must carry it.
    Call inside the transaction that then publishes with ``seq=``."""
    return events.reserve(topic)


def publish(
    topic: str,
    event: str,
    data: dict[str, Any],
    *,
    seq: int | None = None,
    echo_to: int | None = None,
) -> int | None:
    """Validate ``data`` against the event's schema; for a durable topic store it with the
    next seq (or the one reserved with ``next_seq``) in the caller's transaction; broadcast
    once that transaction commits.

    ``echo_to=user_id`` keeps an ephemeral event from that user's own sockets (nobody
    needs to see their own typing or presence). Returns the event's seq, or None for an
    ephemeral topic or event.
    An event carrying member text is stored with the source it copies ("post:17", from
    its type's registration), so ``realtime.copies.withdraw`` finds it.
    """
    schema = registry.events.get(event)
    if schema is None:
        raise ValueError(f"event {event!r} has no registered schema")
    payload = schema.model_validate(data).model_dump(mode="json")
    if events.is_durable(topic) and not event.startswith(EPHEMERAL_PREFIXES):
        source = registry.source_of(event, payload)
        seq = events.append(topic, event, payload, seq=seq, source=source)
    else:
        seq = None
    frame = event_frame(topic, seq, event, payload)
    skip = echo_to if seq is None else None
    # robust: the event is stored; a failed broadcast is caught up from the log.
    transaction.on_commit(lambda: publish_message(topic, seq, frame, skip), robust=True)
    return seq


# Events that are never stored or replayed, even on a durable topic.
EPHEMERAL_PREFIXES = ("typing.", "presence.")


def publish_many(items: list[tuple[str, str, dict[str, Any]]]) -> list[int | None]:
    """``publish`` for several (topic, event, data) at once: durable events are stored in
    one insert, and all are broadcast by one callback after the commit."""
    prepared = []
    for topic, event, data in items:
        schema = registry.events.get(event)
        if schema is None:
            raise ValueError(f"event {event!r} has no registered schema")
        payload = schema.model_validate(data).model_dump(mode="json")
        durable = events.is_durable(topic) and not event.startswith(EPHEMERAL_PREFIXES)
        prepared.append((topic, event, payload, durable))
    seqs = events.append_many([(t, e, p) for t, e, p, durable in prepared if durable])
    out: list[int | None] = []
    frames = []
    it = iter(seqs)
    for topic, event, payload, durable in prepared:
        seq = next(it) if durable else None
        out.append(seq)
        frames.append((topic, seq, event_frame(topic, seq, event, payload)))

    def broadcast() -> None:
        for topic, seq, frame in frames:
            publish_message(topic, seq, frame)

    transaction.on_commit(broadcast, robust=True)
    return out


def validated(event: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` checked against the event's schema, as JSON-ready values."""
    schema = registry.events.get(event)
    if schema is None:
        raise ValueError(f"event {event!r} has no registered schema")
    return schema.model_validate(data).model_dump(mode="json")


def broadcast_stored(topic: str, seq: int, event: str, payload: dict[str, Any]) -> None:
    """Broadcast, once the transaction commits, an event that the caller stored in the log
    itself (``payload`` as returned by ``validated``, and stored with this ``seq``)."""
    frame = event_frame(topic, seq, event, payload)
    transaction.on_commit(lambda: publish_message(topic, seq, frame), robust=True)


def recheck_followers(topic: str) -> None:
    """Once the transaction commits, have every socket following ``topic`` check again
    that it may (call it when a change takes the right to follow away from some). The
    topic's stamp is written in the caller's transaction: if the broadcast is lost, the
    hub's tail check sees the stamp and asks its followers all the same."""
    events.stamp_recheck(topic)
    transaction.on_commit(lambda: publish_message(topic, None, RECHECK_FOLLOWERS), robust=True)
