"""The durable event log (see realtime.models): appending, reading from a cursor,
redacting and pruning. The only code that writes ``Topic`` and ``LogEntry`` rows.

``StoreWithEvent`` is the hot paths' door: an app's own INSERT and its event stored in
one statement with the topic's next seq (a direct message, a live room's chat).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from realtime import aio
from realtime.models import LogEntry, Topic
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
        LogEntry.objects.create(topic_id=topic, seq=seq, type=event_type, data=data, source=source)
    return seq


# The topic-sequence SQL, written once. The update keeps the topic row locked until the
# writing transaction commits, so events commit in seq order.
NEXT_SEQ = f"""UPDATE {Topic._meta.db_table} SET last_seq = last_seq + 1
WHERE name = %(topic)s RETURNING last_seq AS seq"""  # noqa: S608  (a model's table name)
MAKE_TOPIC = f"""INSERT INTO {Topic._meta.db_table} (name, last_seq, pruned_through)
VALUES (%(topic)s, 0, 0) ON CONFLICT (name) DO NOTHING"""  # noqa: S608


def _next_seq(topic: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(NEXT_SEQ, {"topic": topic})
        row = cursor.fetchone()
    return int(row[0]) if row else None


@dataclass(frozen=True)
class Prepared:
    """One row and its event, ready to store: the statement's parameters, and the event's
    validated data without the row's id (which the database gives)."""

    topic: str
    event: str
    payload: dict[str, Any]
    params: dict[str, Any]

    def data(self, row_id: int) -> dict[str, Any]:
        """The stored event's data: the payload with the row's id."""
        return {**self.payload, "id": row_id}


class StoreWithEvent:
    """One statement that takes a durable topic's next seq, runs an app's INSERT of its
    own row with it, and stores that row's event (its data: the payload and the row's
    ``id``; its source, for ``realtime.copies``, from the event's registration).

    ``insert`` is the app's ``INSERT ... SELECT ..., next_seq.seq, ... FROM next_seq
    RETURNING id, seq``. ``also`` adds common table expressions run in the same
    statement (``, name AS (...)``; they may read ``stored``, the app's row), and
    ``returning`` more columns of the result (over ``stored``). The statement's own
    parameters are ``topic``, ``payload`` and ``now``; the app adds its own with
    ``prepare``. Use it where one round trip matters (ADR 0007); elsewhere ``publish``
    with ``next_seq`` does the same through the ORM.
    """

    def __init__(self, event: str, insert: str, *, also: str = "", returning: str = "") -> None:
        self.event = event
        self.insert = insert
        self.also = also
        self.returning = returning

    @cached_property
    def sql(self) -> str:  # built on first use: every app has registered its events by then
        source = registry.sources.get(self.event)
        if source is not None and source[1] != "id":
            raise ValueError(f"{self.event}: a stored row's event names the row by its id")
        source_sql = "NULL" if source is None else f"'{source[0]}:' || stored.id"
        return f"""WITH next_seq AS ({NEXT_SEQ}), stored AS ({self.insert}), logged AS (
    INSERT INTO {LogEntry._meta.db_table} (topic, seq, type, data, at, source)
    SELECT %(topic)s, stored.seq, '{self.event}',
           %(payload)s::jsonb || jsonb_build_object('id', stored.id), %(now)s, {source_sql}
    FROM stored
){self.also}
SELECT stored.id, stored.seq{", " + self.returning if self.returning else ""} FROM stored"""  # noqa: S608

    def prepare(self, topic: str, now: datetime, data: dict[str, Any], **own: Any) -> Prepared:
        """Check the event's ``data`` (all of it but the row's id) against its schema, and
        gather the statement's parameters."""
        payload = validated(self.event, {**data, "id": 0})
        del payload["id"]
        params = {**own, "topic": topic, "now": now, "payload": json.dumps(payload)}
        return Prepared(topic, self.event, payload, params)

    def store(self, prepared: Prepared) -> tuple[Any, ...]:
        """Run the statement on Django's connection (the caller's transaction, if any):
        the row's id, its seq and the ``returning`` columns."""
        with connection.cursor() as cursor:
            cursor.execute(self.sql, prepared.params)
            row = cursor.fetchone()
            if row is None:  # the topic's first event: make its row, then store
                cursor.execute(MAKE_TOPIC, prepared.params)
                cursor.execute(self.sql, prepared.params)
                row = cursor.fetchone()
        assert row is not None
        return tuple(row)

    async def astore(self, prepared: Prepared) -> tuple[Any, ...]:
        """``store`` on the event loop's own connection (``realtime.aio``), which commits
        the statement by itself."""
        row = await aio.fetchone(self.sql, prepared.params)
        if row is None:
            await aio.fetchone(MAKE_TOPIC + " RETURNING name", prepared.params)
            row = await aio.fetchone(self.sql, prepared.params)
        assert row is not None
        return tuple(row)


def validated(event: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` checked against the event's schema, as JSON-ready values."""
    schema = registry.events.get(event)
    if schema is None:
        raise ValueError(f"event {event!r} has no registered schema")
    return schema.model_validate(data).model_dump(mode="json")


def append_many(items: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    """Store several events in one insert; seqs are reserved topic by topic in the order
    given (callers sort by topic, so concurrent batches lock rows in the same order)."""
    if not items:
        return []
    with transaction.atomic(savepoint=False):
        seqs = [reserve(topic) for topic, _, _ in items]
        LogEntry.objects.bulk_create(
            [
                LogEntry(
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


def read_after(topic: str, since: int, limit: int = PAGE) -> list[LogEntry] | None:
    """Events after ``since`` in order, or None when ``since`` is no longer answerable
    (older than retention, or ahead of the topic): the follower must resync."""
    row = Topic.objects.filter(name=topic).values_list("last_seq", "pruned_through").first()
    last_seq, pruned_through = row if row else (0, 0)
    if since < pruned_through or since > last_seq:
        return None
    rows = list(LogEntry.objects.filter(topic_id=topic, seq__gt=since).order_by("seq")[:limit])
    if rows and rows[0].seq != since + 1:
        return None  # pruned between the two reads: the cursor is too old after all
    return rows


def read_page(
    topic: str, since: int, present: Callable[[list[LogEntry]], None] | None
) -> list[LogEntry] | None:
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
    stored = LogEntry.objects.filter(topic_id=topic, type__in=event_types, **lookup)
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
    old = LogEntry.objects.filter(at__lt=cutoff).values("topic_id").annotate(top=Max("seq"))
    for row in old:
        with transaction.atomic():
            Topic.objects.filter(name=row["topic_id"], pruned_through__lt=row["top"]).update(
                pruned_through=row["top"]
            )
            count, _ = LogEntry.objects.filter(
                topic_id=row["topic_id"], seq__lte=row["top"]
            ).delete()
            removed += count
    return removed
