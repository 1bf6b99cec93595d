"""The access audit log: every read or change of a member's data by someone else.

``record_access`` is the one way to write it, from every door (HTTP, socket, pages,
the Django admin, tasks). Entries are append-only (``accounts.models``, and a trigger in
PostgreSQL). They name the reader by role and display name, never by e-mail address, so
the member can be shown who looked without learning a colleague's address.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import AccessAuditEntry, User
from accounts.roles import Role

SYSTEM_LABEL = "the system"


def actor_label(user: User) -> str:
    """How an entry names its reader: the display name shown to others, never e-mail."""
    return user.public_name()[:254]


def subject_label(user: User) -> str:
    """How an entry names whose data was read (for admins reading the log)."""
    return f"{user.public_name()} (#{user.pk})"[:254]


def record_access(
    actor: User | None,
    subjects: User | int | Iterable[User | int],
    action: str,
    resource: str,
    door: str,
) -> list[AccessAuditEntry]:
    """Write one entry per subject whose data ``actor`` read or changed, in one insert.

    ``subjects``: users or user ids (one, or any number; unknown ids are skipped). The
    actor's own account is never an entry: reading one's own data is not an access by
    someone else. ``actor`` None is the system (a task). ``door`` is one of
    ``AccessAuditEntry.Door``. Call it inside the transaction of the read or change
    where there is one, so the entry and the change stand or fall together.
    """
    if door not in AccessAuditEntry.Door.values:
        raise ValueError(f"unknown door {door!r}")
    users = _subject_users(subjects, exclude=actor.pk if actor is not None else None)
    if not users:
        return []
    role = actor.role if actor is not None else ""
    label = actor_label(actor) if actor is not None else SYSTEM_LABEL
    return AccessAuditEntry.objects.bulk_create(
        [
            AccessAuditEntry(
                actor=actor,
                actor_label=label,
                actor_role=role,
                subject=user,
                subject_label=subject_label(user),
                action=action[:64],
                resource=resource[:128],
                door=door,
            )
            for user in users
        ]
    )


def _subject_users(subjects: User | int | Iterable[User | int], exclude: int | None) -> list[User]:
    items: Iterable[User | int] = (
        [subjects] if isinstance(subjects, User | int) else subjects  # one, or many
    )
    users: dict[int, User] = {}
    ids: set[int] = set()
    for item in items:
        if isinstance(item, User):
            users[item.pk] = item
        else:
            ids.add(int(item))
    missing = ids - users.keys()
    if missing:
        users.update({u.pk: u for u in User.objects.filter(pk__in=missing)})
    return [users[pk] for pk in sorted(users) if pk != exclude]


def entries_about(subject: User) -> QuerySet[AccessAuditEntry]:
    """What a member sees of the log: the entries about them, newest first."""
    return AccessAuditEntry.objects.filter(subject=subject).select_related("actor")


def shown_actor(entry: AccessAuditEntry) -> tuple[str, str]:
    """(role, display name) of an entry's reader as the member is shown them.

    Entries written before the log stored roles held the reader's e-mail address as
    their label; for those the reader's account answers, and never the stored label.
    """
    if entry.actor_role or entry.actor_id is None:
        return entry.actor_role, entry.actor_label
    actor = entry.actor if _actor_exists(entry) else None
    if actor is None:
        return "", "a former member of staff"
    return actor.role, actor.public_name()


def _actor_exists(entry: AccessAuditEntry) -> bool:
    try:
        return entry.actor is not None
    except User.DoesNotExist:  # no constraint: the account may be gone
        return False


def role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else ""
