"""The kinds of notification, with their defaults. Apps add theirs here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    in_app: bool = True
    email: bool = True


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind("dm.message", "New direct message"),
    ]
}
