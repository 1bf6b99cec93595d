"""Storing a direct message in one round trip (PostgreSQL).

A message is the hottest write of the product. One statement (``realtime.log``'s
``StoreWithEvent``) takes the topic's next ``seq``, inserts the message and its
``message.created`` event, and touches the conversation. Other databases (SQLite in
embedded mode) take the ORM path in ``services``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from community.models import Conversation, Membership, Message
from realtime.log import Prepared, StoreWithEvent

INSERT_MESSAGE = f"""INSERT INTO {Message._meta.db_table}
    (conversation_id, sender_id, client_id, body, html, seq, created_at)
SELECT %(conversation)s, %(sender)s, %(client_id)s, %(body)s, %(html)s, next_seq.seq, %(now)s
FROM next_seq
RETURNING id, seq"""  # noqa: S608  (table names come from the models; values are parameters)

TOUCH_CONVERSATION = f""", touched AS (
    UPDATE {Conversation._meta.db_table} SET last_message_at = %(now)s
    WHERE id = %(conversation)s AND EXISTS (SELECT 1 FROM stored)
)"""  # noqa: S608

# The other members not in %(watching)s: who needs a notice.
AWAY = f"""ARRAY(
    SELECT user_id FROM {Membership._meta.db_table}
    WHERE conversation_id = %(conversation)s AND user_id <> %(sender)s
      AND NOT (user_id = ANY(%(watching)s))
)"""  # noqa: S608

STORE_MESSAGE = StoreWithEvent("message.created", INSERT_MESSAGE, also=TOUCH_CONVERSATION)
STORE_MESSAGE_LIST_AWAY = StoreWithEvent(
    "message.created", INSERT_MESSAGE, also=TOUCH_CONVERSATION, returning=AWAY
)


def prepare(
    topic: str,
    conversation_id: int,
    sender_id: int,
    client_id: str,
    body: str,
    html: str,
    now: datetime,
    data: dict[str, Any],
    watching: set[int] | None = None,
) -> Prepared:
    """The message and its event's ``data`` (all but the message id), ready to store by
    either statement (``watching``: who is looking at the conversation already)."""
    return STORE_MESSAGE.prepare(
        topic, now, data,
        conversation=conversation_id, sender=sender_id, client_id=client_id, body=body,
        html=html, watching=sorted(watching or ()),
    )  # fmt: skip


def store_message(message: Prepared) -> tuple[int, int]:
    """Store the message and its event; return (message id, seq)."""
    message_id, seq = STORE_MESSAGE.store(message)
    return int(message_id), int(seq)


async def astore_message(message: Prepared) -> tuple[int, int, set[int]]:
    """``store_message`` on the event loop's own connection, which commits the statement
    by itself. Also returns the other members who are not watching."""
    message_id, seq, away = await STORE_MESSAGE_LIST_AWAY.astore(message)
    return int(message_id), int(seq), set(away)
