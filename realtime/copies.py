"""Copies of a member's text, and how they follow the original.

A member's words (a direct message, a forum post or topic title, a question or a chat line
in a live room) are stored once where they belong, and copied: into events of the durable
log, into notifications and their own events on ``user:{id}``, into e-mail. The rule:

    When the original is edited, hidden or deleted, every stored copy is rewritten or
    withdrawn in the same transaction, by one call: ``withdraw(source, ...)``.

How each copy keeps it:

- Log events: every event whose type declares text (``registry.add_event(..., text=)``) is
  published with the ``source`` it copies ("post:17"). ``withdraw`` rewrites the declared
  fields of every event with that source: blanked when the original is gone, the current
  words after an edit. A replay from any cursor therefore never shows removed words.
- Notifications: ``text_withdrawn`` is sent; the notifications app removes those about a
  source that is gone (telling the open sockets) and blanks the excerpt of those about an
  edited one, in their rows and their stored events.
- E-mail: composed when it is sent, from what is stored then (queued mail holds ids only).
- Search: forum search reads the posts themselves, with hidden and deleted ones left out.

A member who is erased (``accounts.erasure``) keeps their words here for the others, but
nothing stored names them any more: each app that named them in an event rewrites those
events with ``rewrite`` (who is named, not what was written).

tests/realtime/test_copies.py walks every kind of text and every copy.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal

from realtime.models import LogEntry
from realtime.registry import registry

# Sent inside the transaction that withdrew ``sources`` (``gone``: hidden or deleted, else
# edited). Holders of copies outside the log listen.
text_withdrawn = Signal()


def source_key(kind: str, item_id: int) -> str:
    return f"{kind}:{item_id}"


def withdraw(
    sources: list[str],
    *,
    gone: bool,
    current: dict[str, Any] | None = None,
    topic: str | None = None,
) -> int:
    """Rewrite every stored copy of the texts named by ``sources``.

    ``gone``: the original was hidden or deleted: every copy loses the words. Otherwise it
    was edited: copies in the log take the fields of ``current`` (e.g. ``{"html": ...}``)
    and lose the rest. ``topic``: only the log events on that topic and nothing else (a
    topic moved out of a category leaves that category's log). Returns how many log
    events changed. Call it in the transaction of the change."""
    if not sources:
        return 0
    current = current or {}
    changed = 0
    with transaction.atomic(savepoint=False):
        stored = LogEntry.objects.filter(source__in=sources)
        if topic is not None:
            stored = stored.filter(topic_id=topic)
        for event in stored.select_for_update().order_by("topic_id", "seq"):
            paths = registry.text_fields.get(event.type, ())
            data = event.data
            for path in paths:
                data = _set_path(data, path.split("."), current.get(path, "") if not gone else "")
            if data != event.data:
                event.data = data
                event.save(update_fields=["data"])
                changed += 1
        if topic is None:
            text_withdrawn.send(sender=LogEntry, sources=list(sources), gone=gone)
    return changed


def _set_path(data: Any, path: list[str], value: Any) -> Any:
    """``data`` with the field at ``path`` set to ``value`` (absent paths stay absent)."""
    if not isinstance(data, dict) or path[0] not in data:
        return data
    head, rest = path[0], path[1:]
    return {**data, head: _set_path(data[head], rest, value) if rest else value}


def rewrite(where: Q, change: Callable[[str, dict[str, Any]], dict[str, Any]]) -> int:
    """Rewrite the stored events matching ``where`` (a condition on their ``topic``,
    ``type``, ``source`` and ``data``, e.g. ``Q(type="message.created",
    data__sender__id=7)``): each takes ``change(type, data)``. For the people an event
    names (an erased member named as such), never for words, which follow ``withdraw``.
    Returns how many changed. Call it in the transaction of the change."""
    changed = 0
    with transaction.atomic(savepoint=False):
        stored = LogEntry.objects.filter(where).select_for_update().order_by("topic_id", "seq")
        for event in stored:
            data = change(event.type, copy.deepcopy(event.data))
            if data != event.data:
                event.data = data
                event.save(update_fields=["data"])
                changed += 1
    return changed
