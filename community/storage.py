"""Storing a direct message in one round trip (PostgreSQL).

A message is the hottest write of the product. On PostgreSQL one statement takes the
topic's next ``seq`` (the row stays locked until commit, as for every durable event),
inserts the message and its ``message.created`` event, and touches the conversation.
Other databases (SQLite in embedded mode) take the ORM path in ``services``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import connection

from community.models import Conversation, Membership, Message
from realtime import aio
from realtime.models import Event, Topic

STORE_MESSAGE_CTES = f"""
WITH t AS (
    UPDATE {Topic._meta.db_table} SET last_seq = last_seq + 1
    WHERE name = %(topic)s RETURNING last_seq
), m AS (
    INSERT INTO {Message._meta.db_table}
        (conversation_id, sender_id, client_id, body, html, seq, created_at)
    SELECT %(conversation)s, %(sender)s, %(client_id)s, %(body)s, %(html)s, t.last_seq, %(now)s
    FROM t
    RETURNING id, seq
), e AS (
    INSERT INTO {Event._meta.db_table} (topic, seq, type, data, at, source)
    SELECT %(topic)s, m.seq, 'message.created',
           %(payload)s::jsonb || jsonb_build_object('id', m.id), %(now)s, 'message:' || m.id
    FROM m
), c AS (
    UPDATE {Conversation._meta.db_table} SET last_message_at = %(now)s
    WHERE id = %(conversation)s AND EXISTS (SELECT 1 FROM m)
)
"""  # noqa: S608  (table names come from the models; values are parameters)

STORE_MESSAGE = STORE_MESSAGE_CTES + "SELECT id, seq FROM m"  # noqa: S608

# The same, also listing the other members not in %(watching)s: who needs a notice.
AWAY = f"""SELECT id, seq, ARRAY(
    SELECT user_id FROM {Membership._meta.db_table}
    WHERE conversation_id = %(conversation)s AND user_id <> %(sender)s
      AND NOT (user_id = ANY(%(watching)s))
) FROM m"""  # noqa: S608
STORE_MESSAGE_LIST_AWAY = STORE_MESSAGE_CTES + AWAY

MAKE_TOPIC = f"""
INSERT INTO {Topic._meta.db_table} (name, last_seq, pruned_through) VALUES (%(topic)s, 0, 0)
ON CONFLICT (name) DO NOTHING
"""  # noqa: S608


def _params(
    topic: str,
    conversation_id: int,
    sender_id: int,
    client_id: str,
    body: str,
    html: str,
    now: datetime,
    payload: dict[str, Any],
) -> dict[str, Any]:
    return {
        "topic": topic,
        "conversation": conversation_id,
        "sender": sender_id,
        "client_id": client_id,
        "body": body,
        "html": html,
        "now": now,
        "payload": json.dumps(payload),
    }


def store_message(**fields: Any) -> tuple[int, int]:
    """Store the message and its event; return (message id, seq). ``fields`` are those of
    ``_params``; ``payload`` is the event's data without the message id, which the
    database adds."""
    params = _params(**fields)
    with connection.cursor() as cursor:
        cursor.execute(STORE_MESSAGE, params)
        row = cursor.fetchone()
        if row is None:  # the topic's first event: make its row, then store
            cursor.execute(MAKE_TOPIC, params)
            cursor.execute(STORE_MESSAGE, params)
            row = cursor.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


async def astore_message(watching: set[int], **fields: Any) -> tuple[int, int, set[int]]:
    """``store_message`` on the event loop's own connection (realtime.aio), which commits
    the statement by itself. Also returns the other members who are not in ``watching``."""
    params = {**_params(**fields), "watching": sorted(watching)}
    row = await aio.fetchone(STORE_MESSAGE_LIST_AWAY, params)
    if row is None:
        await aio.fetchone(MAKE_TOPIC + " RETURNING name", params)
        row = await aio.fetchone(STORE_MESSAGE_LIST_AWAY, params)
    assert row is not None
    return int(row[0]), int(row[1]), set(row[2])
