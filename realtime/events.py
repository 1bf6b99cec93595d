"""Appending to and reading from the durable event log (see realtime.models)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from realtime.models import Event, Topic
from realtime.registry import registry

PAGE = 500


def is_durable(topic: str) -> bool:
    resolved = registry.resolve(topic)
    return resolved is not None and resolved[0].durable


def reserve(topic: str) -> int:
    """Allocate the topic's next seq. The topic row stays locked until the caller commits,
    so events commit in seq order."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve a seq inside the transaction that stores its event")
    seq = _next_seq(topic)
    if seq is None:
        Topic.objects.bulk_create([Topic(name=topic)], ignore_conflicts=True)
        seq = _next_seq(topic)
        assert seq is not None
    return seq


def append(
    topic: str,
    event_type: str,
    data: dict[str, Any],
    seq: int | None = None,
    source: str | None = None,
) -> int:
    """Store one event (with a reserved ``seq``, or the next one) and return its seq.
    ``source``: the member text it copies (see realtime.copies)."""
    with transaction.atomic(savepoint=False):  # part of the caller's transaction, if any
        if seq is None:
            seq = reserve(topic)
        Event.objects.create(topic_id=topic, seq=seq, type=event_type, data=data, source=source)
    return seq


def _next_seq(topic: str) -> int | None:
    table = Topic._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + 1 WHERE name = %s RETURNING last_seq",  # noqa: S608
            [topic],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def append_many(items: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    """Store several events in one insert; seqs are reserved topic by topic in the order
    given (callers sort by topic, so concurrent batches lock rows in the same order)."""
    if not items:
        return []
    with transaction.atomic(savepoint=False):
        seqs = [reserve(topic) for topic, _, _ in items]
        Event.objects.bulk_create(
            [
                Event(
                    topic_id=topic,
                    seq=seq,
                    type=event_type,
                    data=data,
                    source=registry.source_of(event_type, data),
                )
                for (topic, event_type, data), seq in zip(items, seqs, strict=True)
            ]
        )
    return seqs


def latest_seq(topic: str) -> int:
    return Topic.objects.filter(name=topic).values_list("last_seq", flat=True).first() or 0


def latest_seqs(topics: list[str]) -> dict[str, int]:
    found = dict(Topic.objects.filter(name__in=topics).values_list("name", "last_seq"))
    return {t: found.get(t, 0) for t in topics}


def stamp_recheck(topic: str) -> None:
    """Record that who may follow ``topic`` narrowed (see ``Topic.rechecked_at``)."""
    Topic.objects.bulk_create(
        [Topic(name=topic, rechecked_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["rechecked_at"],
    )


def topic_states(topics: list[str]) -> dict[str, tuple[int, float | None]]:
    """For each topic: its last seq, and when its followers were last asked to re-check."""
    rows = Topic.objects.filter(name__in=topics).values_list("name", "last_seq", "rechecked_at")
    found = {name: (seq, at.timestamp() if at else None) for name, seq, at in rows}
    return {t: found.get(t, (0, None)) for t in topics}


def read_after(topic: str, since: int, limit: int = PAGE) -> list[Event] | None:
    """Events after ``since`` in order, or None when ``since`` is no longer answerable
    (older than retention, or ahead of the topic): the follower must resync."""
    row = Topic.objects.filter(name=topic).values_list("last_seq", "pruned_through").first()
    last_seq, pruned_through = row if row else (0, 0)
    if since < pruned_through or since > last_seq:
        return None
    rows = list(Event.objects.filter(topic_id=topic, seq__gt=since).order_by("seq")[:limit])
    if rows and rows[0].seq != since + 1:
        return None  # pruned between the two reads: the cursor is too old after all
    return rows


def read_page(
    topic: str, since: int, present: Callable[[list[Event]], None] | None
) -> list[Event] | None:
    """``read_after``, then the topic kind's ``on_replay`` over the page (one thread hop)."""
    rows = read_after(topic, since)
    if rows and present is not None:
        present(rows)
    return rows


def redact(
    topic: str,
    event_types: tuple[str, ...],
    item_id: int,
    fields: dict[str, Any],
    within: str | None = None,
) -> int:
    """Overwrite ``fields`` in the stored events of one item (a message edited or deleted),
    so a replay never brings back what its author took out. ``within``: the item is the
    object under that key of the event's data (``{"thread": {"id": ...}}``)."""
    changed = 0
    lookup = {f"data__{within}__id" if within else "data__id": item_id}
    stored = Event.objects.filter(topic_id=topic, type__in=event_types, **lookup)
    for event in stored.select_for_update():
        if within:
            event.data = {**event.data, within: {**event.data[within], **fields}}
        else:
            event.data = {**event.data, **fields}
        event.save(update_fields=["data"])
        changed += 1
    return changed


def prune(now: Any = None) -> int:
    """Drop events older than the retention; cursors before them will get ``resync``."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.REALTIME_RETENTION_DAYS)
    removed = 0
    old = Event.objects.filter(at__lt=cutoff).values("topic_id").annotate(top=Max("seq"))
    for row in old:
        with transaction.atomic():
            Topic.objects.filter(name=row["topic_id"], pruned_through__lt=row["top"]).update(
                pruned_through=row["top"]
            )
            count, _ = Event.objects.filter(topic_id=row["topic_id"], seq__lte=row["top"]).delete()
            removed += count
    return removed
