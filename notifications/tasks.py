"""Email for notifications whose kind a member wants by email (events, for now)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from accounts.mail import send_to_member
from accounts.models import User
from notifications.kinds import KINDS
from notifications.services import preference


@shared_task(ignore_result=True)
def email_notice(user_id: int, kind: str, about: dict[str, Any]) -> bool:
    """One email to one active member with a verified address (``accounts.mail``), about
    the thing ``about`` names by id. The mail is written now, by the kind's ``compose``,
    from what is stored now: nothing is sent if the member no longer wants the kind by
    email, or if there is nothing to say any more (``compose`` answers None). A task
    queued with words (an older form) is dropped. Safe to run again: it only sends."""
    found = KINDS.get(kind) if isinstance(kind, str) else None
    if found is None or not found.compose or not isinstance(about, dict):
        return False
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    if not preference(user, kind)[1]:
        return False
    mail = found.compose(user, kind, about)
    if mail is None:
        return False
    subject, body = mail
    return send_to_member(user, subject, body)
