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

# Sent when what some users may see or do became narrower: a role lowered, a suspension,
# a block, a region or care team changed, a room or category closed to them. ``user_ids``:
# whose open sockets must act with their current rights; ``customer_id``: when the change
# narrows what they see of one customer (consent to care withdrawn, the care team left, a
# test's audience narrowed), that customer, so the care pages of the professionals among
# ``user_ids`` can be told to read again. Sent inside the caller's transaction; receivers
# defer what must wait for the commit (realtime stores a stamp the access sweep reads, and
# tells the sockets once the change is committed).
rights_narrowed = Signal()


def narrow_rights(user_ids: list[int], *, customer_id: int | None = None) -> None:
    """Have every open socket of ``user_ids`` act with the users' current rights and drop
    what they may no longer follow, once the current transaction commits. Call it in the
    transaction of the change; name the ``customer_id`` whose data it narrows, if one."""
    ids = sorted(set(user_ids))
    if ids:
        rights_narrowed.send(sender=User, user_ids=ids, customer_id=customer_id)


# Sent in the transaction that makes a member's account: by sign-up, with the member's
# answers to its consent questions (``consents``: each of ``SIGN_UP_CONSENTS`` -> True or
# False), and when a Cognito user first signs in (``consents`` None: no sign-up form asked
# them, so they answer at the first step of onboarding). ``profiles`` (a floor above)
# records the answers and starts the member's onboarding.
signed_up = Signal()

# The purposes sign-up asks consent for, each answered explicitly (their texts and
# versions are ``profiles.consents``'; a test keeps the two the same).
SIGN_UP_CONSENTS = ("care", "analytics", "marketing")


# Fields whose change ends access (every session, token and socket issued before).
ACCESS_FIELDS = ("password", "is_active")
# Fields whose change alters what a user may see or do on sockets already open.
RIGHTS_FIELDS = ("role", "region", "is_superuser")

# Sent, after the commit, when every credential of a user issued until now became void
# (sign-out, new password, deactivation): realtime closes that user's open sockets.
access_revoked = Signal()


@receiver(pre_save, sender=User)
def note_access_change(sender: type[User], instance: User, **kwargs: Any) -> None:
    instance._access_changed = False  # type: ignore[attr-defined]
    instance._rights_changed = False  # type: ignore[attr-defined]
    update_fields = kwargs.get("update_fields")
    watched = (*ACCESS_FIELDS, *RIGHTS_FIELDS)
    if instance.pk is None or (update_fields is not None and not set(watched) & set(update_fields)):
        return
    before = User.objects.filter(pk=instance.pk).values(*watched).first()
    if before is None:
        return
    instance._access_changed = any(  # type: ignore[attr-defined]
        before[name] != getattr(instance, name) for name in ACCESS_FIELDS
    )
    instance._rights_changed = any(  # type: ignore[attr-defined]
        before[name] != getattr(instance, name) for name in RIGHTS_FIELDS
    )


@receiver(post_save, sender=User)
def follow_access_change(sender: type[User], instance: User, **kwargs: Any) -> None:
    """However the account changed (a service, the Django admin, a management command)."""
    if getattr(instance, "_access_changed", False):
        revoke_access(instance)
    if getattr(instance, "_rights_changed", False):
        narrow_rights([instance.pk])


def revoke_access(user: User) -> None:
    """End every session, token and socket of ``user`` issued until now."""
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(access_valid_after=now)
    user.access_valid_after = now
    user_id = user.pk
    transaction.on_commit(lambda: access_revoked.send(sender=User, user_id=user_id), robust=True)


@receiver(user_logged_in)
def remember_sign_in_time(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_AUTH_AT] = time.time()
