"""Access follows the account, however it is changed.

A new password or a change of ``is_active`` ends every session, token and socket issued
before it, whether made by a service, the Django admin or ``manage.py changepassword``.
Every sign-in records its time in the session, so revocation can tell sessions apart.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User

SESSION_AUTH_AT = "auth_at"

# Sent (after the commit) when what some users may see or do became narrower: a role
# lowered, a suspension, a block, a region or care team changed, a room or category
# closed to them. ``user_ids``: whose open sockets must re-check. realtime listens.
rights_narrowed = Signal()


def narrow_rights(user_ids: list[int]) -> None:
    """Tell every open socket of ``user_ids`` to act with the users' current rights and
    re-check what it follows, once the current transaction commits."""
    ids = sorted(set(user_ids))
    if ids:
        transaction.on_commit(lambda: rights_narrowed.send(sender=User, user_ids=ids), robust=True)


WATCHED = frozenset({"password", "is_active"})


@receiver(pre_save, sender=User)
def note_access_change(sender: type[User], instance: User, **kwargs: Any) -> None:
    instance._access_changed = False  # type: ignore[attr-defined]
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or (update_fields is not None and not WATCHED & set(update_fields)):
        return
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is not None and (
        before["password"] != instance.password or before["is_active"] != instance.is_active
    ):
        instance._access_changed = True  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def revoke_on_access_change(sender: type[User], instance: User, **kwargs: Any) -> None:
    if getattr(instance, "_access_changed", False):
        revoke_access(instance)


def revoke_access(user: User) -> None:
    """End every session, token and socket of ``user`` issued until now."""
    from realtime.connections import close_user_sockets

    now = timezone.now()
    User.objects.filter(pk=user.pk).update(access_valid_after=now)
    user.access_valid_after = now
    user_id = user.pk
    transaction.on_commit(lambda: close_user_sockets(user_id))


@receiver(user_logged_in)
def remember_sign_in_time(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_AUTH_AT] = time.time()
