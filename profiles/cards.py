"""The community profile card: a member's name and role, and the display fields (a city,
a bio) they chose to show the community. Nothing else of the profile ever reaches it:
only attributes an admin marked ``display_field`` (never a medical value), with the
audience ``community``, not retired.

``card_fields`` is the door other parts use (the forum, chats, the dietitian listing):
the fields of many members in one query. Every card that shows a field is in that
member's access log. A member who blocks the viewer shows them no field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts.audit import record_access
from accounts.models import Block, User
from core.errors import NotFound
from profiles.attributes import page_order, value_text
from profiles.models import ProfileValue
from profiles.permissions import Relation, audiences_for

CardField = dict[str, Any]


def card_fields(
    viewer: User,
    user_ids: Iterable[int],
    *,
    locale: str | None = None,
    door: str = "http",
) -> dict[int, list[CardField]]:
    """{user id: [{key, label, value, text}]} of the display fields each of ``user_ids``
    shows the community, in page order (an empty list for those showing none). One query
    for the fields and one for blocks, however many members; audited for those shown."""
    ids = {int(pk) for pk in user_ids}
    cards: dict[int, list[CardField]] = {pk: [] for pk in ids}
    if not ids:
        return cards
    locale = (locale or viewer.locale or "en")[:16]
    rows = list(
        ProfileValue.objects.filter(
            customer_id__in=ids,
            customer__is_active=True,
            customer__erased_at__isnull=True,
            # The rule every door asks: what anybody may see (community display fields).
            audience__in=audiences_for(Relation.OTHER),
            attribute__display_field=True,
            attribute__retired_at__isnull=True,
            value__isnull=False,
        ).select_related("attribute")
    )
    if rows:
        others = {row.customer_id for row in rows} - {viewer.pk}
        blocking = set(
            Block.objects.filter(blocker_id__in=others, blocked=viewer).values_list(
                "blocker_id", flat=True
            )
        )
        rows = [row for row in rows if row.customer_id not in blocking]
    place = {a.pk: n for n, a in enumerate(page_order({row.attribute for row in rows}))}
    for row in sorted(rows, key=lambda r: place[r.attribute_id]):
        attribute = row.attribute
        cards[row.customer_id].append(
            {
                "key": attribute.key,
                "label": attribute.label(locale),
                "value": row.value,
                "text": value_text(attribute, row.value, locale),
            }
        )
    shown = [pk for pk, fields in cards.items() if fields]
    if shown:
        record_access(viewer, shown, "read", "profile card", door)
    return cards


def card(
    viewer: User, user_id: int, *, locale: str | None = None, door: str = "http"
) -> dict[str, Any]:
    """One member's card: ``{id, name, role, fields}``. Any signed-in member may ask;
    an account that is gone is ``not_found``."""
    member = User.objects.filter(pk=user_id, is_active=True, erased_at__isnull=True).first()
    if member is None:
        raise NotFound("no such member")
    return {
        "id": member.pk,
        "name": member.public_name(),
        "role": member.role,
        "fields": card_fields(viewer, [member.pk], locale=locale, door=door)[member.pk],
    }
