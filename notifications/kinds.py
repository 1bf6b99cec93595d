"""The kinds of notification, with their defaults. Each app registers its own (``register``,
from the module that sends them, imported by the app's ``ready``), so this floor names no
app above it.

``mailed``: whether the kind is ever sent by e-mail. One that is not is never on by e-mail
(off by default, and a member cannot turn it on), so the preferences say what happens.
``compose``: for kinds mailed by ``notifications.tasks.email_notice``, the function that
writes the mail when it is sent (called with the member, the kind and the ids the mail
was queued with; None when there is nothing to send any more). Direct messages are mailed
by their own task (``community.messaging.tasks``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.models import User

# (member, kind, the ids the mail was queued with) -> (subject, body), or None.
Compose = Callable[[User, str, dict[str, Any]], tuple[str, str] | None]


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    in_app: bool = True
    email: bool = True
    # For notices about someone (``data.actor``): the title, naming them as they are now.
    title: str = ""
    mailed: bool = True
    compose: Compose | None = None


KINDS: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    for kind in kinds:
        if kind.name in KINDS:
            raise ValueError(f"notification kind {kind.name!r} is registered twice")
        KINDS[kind.name] = kind
