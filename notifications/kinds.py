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

import string
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
    # For notices about people: the title, with a field for each person it names, by the
    # key of their id in the notice's ``data`` ("{actor} replied", "{handed_over_by}
    # hands {customer} over to you"). It is filled in when the notice is shown, naming
    # them as they are now, and by the eraser, naming an erased member as such. A kind
    # with a title names people in no other way (its stored title is only the fallback,
    # and its body names nobody).
    title: str = ""
    mailed: bool = True
    compose: Compose | None = None

    @property
    def people(self) -> tuple[str, ...]:
        """The ``data`` keys of the people the title names."""
        return tuple(
            dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(self.title) if name)
        )


KINDS: dict[str, Kind] = {}


def person_keys() -> set[str]:
    """Every ``data`` key under which a notice names a person, over all kinds."""
    return {key for kind in KINDS.values() for key in kind.people}


def register(*kinds: Kind) -> None:
    for kind in kinds:
        if kind.name in KINDS:
            raise ValueError(f"notification kind {kind.name!r} is registered twice")
        KINDS[kind.name] = kind
