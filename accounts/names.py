"""Names as members choose them now: stored copies (durable events) name people as they
were named when the copy was made; doors that show copies resolve the names again."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import User


def public_names(user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's ``public_name`` now, in one query (missing ids are left out)."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = User.objects.filter(pk__in=ids).only("pk", "display_name", "erased_at")
    return {user.pk: user.public_name() for user in rows}
