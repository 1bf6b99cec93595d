"""What advice asks of the apps above it, handed here when they are ready (a lower floor
names no app above it; each answer defaults to "nothing").

- unread messages: ``(professional id, customer ids) -> {customer id: unread count}``, the
  direct messages from each customer the professional has not read (``community``);
- groups to send a plan to: ``kind -> (actor, id) -> (label, member ids)``, for example
  ``class``: everyone enrolled in a class the actor may see (``events``). A group the actor
  may not see answers ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from accounts.models import User

UnreadFrom = Callable[[int, Iterable[int]], dict[int, int]]
GroupMembers = Callable[[User, int], tuple[str, list[int]] | None]


def _no_unread(professional_id: int, customer_ids: Iterable[int]) -> dict[int, int]:
    return {}


_unread_from: UnreadFrom = _no_unread
_groups: dict[str, GroupMembers] = {}


def provide_unread(unread_from: UnreadFrom) -> None:
    global _unread_from
    _unread_from = unread_from


def unread_from(professional_id: int, customer_ids: Iterable[int]) -> dict[int, int]:
    return _unread_from(professional_id, customer_ids)


def provide_group(kind: str, members: GroupMembers) -> None:
    _groups[kind] = members


def group_kinds() -> list[str]:
    return sorted(_groups)


def group_members(kind: str, actor: User, group_id: int) -> tuple[str, list[int]] | None:
    """(label, member ids) of the group, or None when there is no such group for ``actor``."""
    found = _groups.get(kind)
    return None if found is None else found(actor, group_id)
