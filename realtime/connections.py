"""Addressing one user's open sockets on every server process.

Each signed-in socket follows the internal hub topic ``access:{user_id}`` (clients
cannot subscribe to it: no app registers the kind). Publishing on it reaches every
socket of that user, through the same Redis connection and reconnect logic as all
events. Two messages travel there:

- ``access.check`` (sign-out, new password, deactivation): the socket closes if its
  credential is void.
- ``rights.check`` (``accounts.signals.narrow_rights``: a role, region, block, care team
  or audience changed): the socket reloads its user, acts with the current rights from
  then on, and drops every topic it may no longer follow.

Either broadcast can be lost in a Redis outage; the per-process access sweep reads the
account and the ``RightsChange`` stamp every ``WS_ACCESS_SWEEP_SECONDS`` and does the same.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from accounts.signals import access_revoked, rights_narrowed
from realtime.backends import publish_message
from realtime.models import RightsChange

logger = logging.getLogger(__name__)

ACCESS_CHECK = '{"type":"access.check"}'
RIGHTS_CHECK = '{"type":"rights.check"}'


def access_topic(user_id: int) -> str:
    return f"access:{user_id}"


def _tell_sockets(user_ids: list[int], message: str) -> None:
    for user_id in user_ids:
        try:
            publish_message(access_topic(user_id), None, message)
        except Exception:  # a Redis outage must not fail the change; the sweep follows up
            logger.exception("could not notify the sockets of user %s", user_id)


def close_user_sockets(user_id: int) -> None:
    """Ask every socket of ``user_id`` to re-check its access; they close if it ended."""
    _tell_sockets([user_id], ACCESS_CHECK)


@receiver(access_revoked)
def _close_on_revocation(sender: Any, user_id: int, **kwargs: Any) -> None:
    close_user_sockets(user_id)


@receiver(rights_narrowed)
def _recheck_on_narrowed_rights(sender: Any, user_ids: list[int], **kwargs: Any) -> None:
    """Stamp the change in the caller's transaction (the sweep's safety net), and tell the
    open sockets once it commits."""
    now = timezone.now()
    RightsChange.objects.bulk_create(
        [RightsChange(user_id=pk, at=now) for pk in user_ids],
        update_conflicts=True,
        unique_fields=["user_id"],
        update_fields=["at"],
    )
    ids = list(user_ids)
    transaction.on_commit(lambda: _tell_sockets(ids, RIGHTS_CHECK), robust=True)
