"""What the care team's dashboard asks of messaging (``advice.providers``): how many direct
messages from each of a professional's customers the professional has not read yet."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F

from community.models import Conversation, Message


def unread_from(professional_id: int, customer_ids: Iterable[int]) -> dict[int, int]:
    """``{customer id: unread}`` for those with any: the messages each customer sent in
    their direct conversation with the professional after the professional's read cursor
    (deleted ones aside). One query, however many customers."""
    ids = list(customer_ids)
    if not ids:
        return {}
    rows = (
        Message.objects.filter(
            conversation__kind=Conversation.Kind.DIRECT,
            conversation__memberships__user_id=professional_id,
            seq__gt=F("conversation__memberships__last_read_seq"),
            sender_id__in=ids,
            deleted_at__isnull=True,
        )
        .values("sender_id")
        .annotate(n=Count("id"))
        .values_list("sender_id", "n")
    )
    return dict(rows)
