"""The topic registry: each app declares its topic kinds, actions and event schemas.

Apps register from their ``topics.py`` (imported by their AppConfig.ready). The gateway
asks the registry who may follow a topic, which service handles an action frame, and
what shape an event has.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from accounts.models import User

TOPIC_RE = re.compile(r"^([a-z][a-z_]{0,15}):([A-Za-z0-9_-]{1,40})$")


class EventSchema(BaseModel):
    """The data of a registered event: no field it does not declare, and frozen (what was
    validated is what is stored and sent)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ActionSchema(BaseModel):
    """The fields of a client's action frame beside ``type`` and ``id``: no others."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class TopicKind:
    """``kind:key`` topics: ``can_follow(user, key)`` runs in a worker thread (it may query)."""

    kind: str
    can_follow: Callable[[User, str], bool]
    durable: bool
    presence: bool = False
    # Instead of who is online, how many: ``presence.count`` at most once a second per
    # process, however many join or leave (a live class of thousands).
    presence_count: bool = False
    # With ``presence``: whether this user's own presence is shown to the topic's other
    # followers (a member who keeps read receipts to themself is not seen opening a
    # conversation). Runs in a worker thread; None: always shown.
    shows_presence: Callable[[User, str], bool] | None = None
    # Called in a worker thread when a user's socket starts or stops following a topic.
    on_join: Callable[[User, str], None] | None = None
    on_leave: Callable[[User, str], None] | None = None
    # Called in a worker thread with each page of stored events before it is replayed; it
    # may rewrite their data in place to show what is true now (who wrote something is
    # resolved when shown: a member who took a pseudonym is not named in old events).
    on_replay: Callable[[list[Any]], None] | None = None


@dataclass(frozen=True)
class Action:
    """A client frame routed to a service. ``handler(user, payload, client_id)`` runs in a
    worker thread and returns the ``ack`` fields (for example the stored id and seq).
    An action on the hot path may give ``async_handler`` instead, a coroutine function
    of the same arguments that runs on the event loop and must not block it."""

    name: str
    schema: type[ActionSchema]
    handler: Callable[[User, Any, str], dict[str, Any]] | None = None
    rate_bucket: str = "actions"
    needs_client_id: bool = True
    async_handler: Callable[[User, Any, str], Awaitable[dict[str, Any]]] | None = None

    def __post_init__(self) -> None:
        if (self.handler is None) == (self.async_handler is None):
            raise ValueError(f"action {self.name!r} needs one handler, sync or async")


@dataclass
class Registry:
    kinds: dict[str, TopicKind] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)
    events: dict[str, type[EventSchema]] = field(default_factory=dict)
    # Per event type, where it carries text a member wrote (dotted paths into its data):
    # what ``realtime.copies.withdraw`` blanks when that text is edited, hidden or deleted.
    text_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Per event type with text, what it copies: (kind of text, dotted path of its id).
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Event types never stored or replayed, whatever the topic (a progress report, worth
    # nothing once the next one is out).
    ephemeral: set[str] = field(default_factory=set)

    def add_topic_kind(self, kind: TopicKind) -> None:
        if kind.kind in self.kinds:
            raise ValueError(f"topic kind {kind.kind!r} is registered twice")
        self.kinds[kind.kind] = kind

    def add_action(self, action: Action) -> None:
        if action.name in self.actions:
            raise ValueError(f"action {action.name!r} is registered twice")
        self.actions[action.name] = action

    def add_event(
        self,
        name: str,
        schema: type[EventSchema],
        *,
        text: tuple[str, ...] = (),
        source: tuple[str, str] | None = None,
        ephemeral: bool = False,
    ) -> None:
        """``text``: the fields (dotted for nested ones) holding a member's words;
        ``source``: what those words are, as (kind, dotted path of its id in the data),
        e.g. ``("post", "id")``. ``publish`` stores each such event with its source
        ("post:17"), so ``realtime.copies.withdraw`` finds every copy. ``ephemeral``:
        never stored, even on a durable topic (and so it carries no member text)."""
        if name in self.events:
            raise ValueError(f"event {name!r} is registered twice")
        if bool(text) != (source is not None):
            raise ValueError(f"event {name!r}: text fields and their source go together")
        if ephemeral and text:
            raise ValueError(f"event {name!r}: an ephemeral event carries no member text")
        self.events[name] = schema
        if ephemeral:
            self.ephemeral.add(name)
        if text and source is not None:
            self.text_fields[name] = text
            self.sources[name] = source

    def source_of(self, event: str, data: dict[str, Any]) -> str | None:
        """The member text an event's data copies ("post:17"), if its type carries any."""
        found = self.sources.get(event)
        if found is None:
            return None
        kind, path = found
        value: Any = data
        for part in path.split("."):
            value = value[part]
        return f"{kind}:{value}"

    def resolve(self, topic: str) -> tuple[TopicKind, str] | None:
        match = TOPIC_RE.match(topic)
        if match is None:
            return None
        kind = self.kinds.get(match.group(1))
        return (kind, match.group(2)) if kind is not None else None


registry = Registry()
