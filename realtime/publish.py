"""The one way an event leaves a service: stored (durable topics) in the caller's
transaction, then broadcast to every process once that transaction commits.

- ``publish`` / ``publish_many``: validate, store and broadcast, through the ORM;
- ``next_seq``: reserve a seq for a row that must carry it, then ``publish(seq=...)``;
- ``publish_stored`` / ``apublish_stored``: broadcast an event that
  ``realtime.log.StoreWithEvent`` stored in one statement with the app's row;
- ``recheck_followers``: have a topic's followers check again that they may follow it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from realtime import log
from realtime.backends import apublish_message, publish_message
from realtime.protocol import RECHECK_FOLLOWERS, event_frame
from realtime.registry import registry

# Events that are never stored or replayed, even on a durable topic (besides those
# registered with ``ephemeral=True``).
EPHEMERAL_PREFIXES = ("typing.", "presence.")


def next_seq(topic: str) -> int:
    """Reserve the next seq of a durable topic, for an event whose data must carry it.
    Call inside the transaction that then publishes with ``seq=``."""
    return log.reserve(topic)


def _is_stored(topic: str, event: str) -> bool:
    return (
        log.is_durable(topic)
        and not event.startswith(EPHEMERAL_PREFIXES)
        and event not in registry.ephemeral
    )


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
    payload = log.validated(event, data)
    if _is_stored(topic, event):
        source = registry.source_of(event, payload)
        seq = log.append(topic, event, payload, seq=seq, source=source)
    else:
        seq = None
    frame = event_frame(topic, seq, event, payload)
    skip = echo_to if seq is None else None
    # robust: the event is stored; a failed broadcast is caught up from the log.
    transaction.on_commit(lambda: publish_message(topic, seq, frame, skip), robust=True)
    return seq


def publish_many(items: list[tuple[str, str, dict[str, Any]]]) -> list[int | None]:
    """``publish`` for several (topic, event, data) at once: durable events are stored in
    one insert, and all are broadcast by one callback after the commit."""
    prepared = [
        (topic, event, log.validated(event, data), _is_stored(topic, event))
        for topic, event, data in items
    ]
    seqs = log.append_many([(t, e, p) for t, e, p, stored in prepared if stored])
    out: list[int | None] = []
    frames = []
    it = iter(seqs)
    for topic, event, payload, stored in prepared:
        seq = next(it) if stored else None
        out.append(seq)
        frames.append((topic, seq, event_frame(topic, seq, event, payload)))

    def broadcast() -> None:
        for topic, seq, frame in frames:
            publish_message(topic, seq, frame)

    transaction.on_commit(broadcast, robust=True)
    return out


def publish_stored(stored: log.Prepared, row_id: int, seq: int) -> None:
    """Broadcast, once the transaction commits, the event ``StoreWithEvent.store`` stored
    with the row ``row_id`` at ``seq``."""
    frame = event_frame(stored.topic, seq, stored.event, stored.data(row_id))
    transaction.on_commit(lambda: publish_message(stored.topic, seq, frame), robust=True)


async def apublish_stored(stored: log.Prepared, row_id: int, seq: int) -> None:
    """Broadcast now, from the event loop, the event ``StoreWithEvent.astore`` stored
    (its statement committed by itself)."""
    frame = event_frame(stored.topic, seq, stored.event, stored.data(row_id))
    await apublish_message(stored.topic, seq, frame)


def recheck_followers(topic: str) -> None:
    """Once the transaction commits, have every socket following ``topic`` check again
    that it may (call it when a change takes the right to follow away from some). The
    topic's stamp is written in the caller's transaction: if the broadcast is lost, the
    hub's tail check sees the stamp and asks its followers all the same."""
    log.stamp_recheck(topic)
    transaction.on_commit(lambda: publish_message(topic, None, RECHECK_FOLLOWERS), robust=True)
