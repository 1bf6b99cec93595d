"""A member's personal data, app by app: what each app keeps about a member, how it goes
into their download ("download all my data") and how it goes when they are erased.

Accounts is the lowest floor that knows members, so every app registers here, from its
``AppConfig.ready`` (or a module ``ready`` imports)::

    register(
        "community.forum",
        models=("community.Post", "community.Reaction", ...),
        export=export_forum,   # member -> parts of the download
        erase=erase_forum,     # member -> delete or anonymise, in the erasure's transaction
    )

- ``models``: every model of the app with a ForeignKey or OneToOneField to the user
  model, each one either deleted or kept (anonymised, or kept with ids only) by the
  eraser. ``tests/accounts/test_personal_data.py`` fails on a model that no registration
  names, so a model added later without an eraser fails the suite.
- ``export(member)``: ``Table`` parts (rows, written as JSON and CSV) and ``Document``
  parts (written as JSON as they are, e.g. a FHIR bundle). Only what the member wrote,
  owns, or could read anyway: never another member's private data. The zip is built by
  ``profiles.exports``; a registration may bring only an exporter (``models=()``), which
  is how a part is plugged in.
- ``erase(member)``: runs inside the erasure's one transaction (``accounts.erasure``),
  after the account itself was anonymised: ``member.public_name()`` is already the erased
  name, so whatever an eraser rewrites to "as shown now" names nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class Table:
    """Rows of one kind: ``{name}.json`` (a list of objects) and ``{name}.csv``."""

    name: str
    rows: Sequence[dict[str, Any]]
    # The CSV's columns, in order (default: the keys of the rows, as first seen).
    columns: tuple[str, ...] = ()

    def header(self) -> list[str]:
        if self.columns:
            return list(self.columns)
        seen: dict[str, None] = {}
        for row in self.rows:
            seen.update(dict.fromkeys(row))
        return list(seen)


@dataclass(frozen=True)
class Document:
    """One JSON document as it is: ``{name}.json`` (e.g. ``results.fhir``)."""

    name: str
    data: Any


Part = Table | Document
Exporter = Callable[["User"], Iterable[Part]]
Eraser = Callable[["User"], None]


@dataclass(frozen=True)
class Registration:
    # Who registered, and the folder of its parts in the download: "community.forum".
    name: str
    models: tuple[str, ...] = ()
    export: Exporter | None = None
    erase: Eraser | None = None
    # In words, what the eraser keeps and why (docs, the admin); optional.
    keeps: str = ""


_registry: dict[str, Registration] = {}


def register(
    name: str,
    *,
    models: Iterable[str] = (),
    export: Exporter | None = None,
    erase: Eraser | None = None,
    keeps: str = "",
) -> Registration:
    """Register what ``name`` keeps about members. ``models`` are "app_label.Model"."""
    if name in _registry:
        raise ValueError(f"personal data of {name!r} is registered twice")
    found = Registration(name, tuple(models), export, erase, keeps)
    if found.models and found.erase is None:
        raise ValueError(f"{name!r} names models but no eraser")
    _registry[name] = found
    return found


def registrations() -> list[Registration]:
    """Every registration, in the order they were made (the app loading order)."""
    return list(_registry.values())


def exporters() -> list[Registration]:
    return [r for r in _registry.values() if r.export is not None]


def covered_models() -> set[str]:
    """ "app_label.Model" (lower case) of every model some registration covers."""
    return {label.lower() for r in _registry.values() for label in r.models}


def run_erasers(member: User) -> None:
    """Every registered eraser, in registration order. Call only from
    ``accounts.erasure``, inside its transaction, after the account was anonymised."""
    for registration in _registry.values():
        if registration.erase is not None:
            registration.erase(member)
