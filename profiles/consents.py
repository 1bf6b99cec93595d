"""Consent per purpose: the texts a member agrees to, each with a version, and granting,
withdrawing and the history of both.

The texts live here, in code: a changed text gets a new ``version``. Consents given to an
older version still count until they are withdrawn (a member is asked to review the new
text: ``agreed_version`` differs from ``version``), and a new grant is only to the text
shown now (409 ``stale_text`` otherwise). The ``Consent`` rows are the record: one per
grant, with the version agreed to, when, and when it was withdrawn; nothing is deleted.

Withdrawing takes effect at once. Consent to care is what lets the care team see the
customer's health data (``profiles.permissions.relation_to``), so its withdrawal also
drops their open sockets on ``health:{customer}`` (``narrow_rights``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.signals import narrow_rights
from core.errors import Conflict, NotFound, ServiceError
from profiles.access import care_team_of
from profiles.models import Consent


@dataclass(frozen=True)
class ConsentText:
    purpose: str
    # A short label: the check box at sign-up and onboarding.
    label: str
    version: str
    text: str


TEXTS: dict[str, ConsentText] = {
    t.purpose: t
    for t in (
        ConsentText(
            Consent.Purpose.CARE,
            "My care team may see the health data I share with them",
            "1",
            "I agree that the dietitians and medical providers in my care team see the "
            "profile fields and results I share with my care team, and add results to my "
            "record, to advise me about my health. Only those in my care team see them, and "
            "only while they are in it; each time someone reads my data, I see it on my "
            "privacy page. Without this consent the community is still open to me, but my "
            "care team sees none of my health data. I can withdraw it at any time on my "
            "privacy page, and it takes effect at once.",
        ),
        ConsentText(
            Consent.Purpose.ANALYTICS,
            "My data may count, anonymised, in statistics",
            "1",
            "I agree that my profile and results may count in anonymised statistics that "
            "help improve the service (for example, how many members reached a goal). "
            "Statistics never name anyone, and groups too small to hide a person are not "
            "shown. If I withdraw this consent, I am left out of every computation from "
            "then on.",
        ),
        ConsentText(
            Consent.Purpose.MARKETING,
            "Send me newsletters and offers",
            "1",
            "I agree to receive newsletters and offers from eDietitian, chosen from what I "
            "told about myself in my profile. I can withdraw this consent at any time, and "
            "no newsletter is sent to me after that.",
        ),
    )
}


def text_of(purpose: str) -> ConsentText:
    try:
        return TEXTS[purpose]
    except KeyError:
        raise NotFound(f"no consent purpose '{purpose}'", field="purpose") from None


def texts() -> list[dict[str, str]]:
    """Every purpose's current text."""
    return [
        {"purpose": t.purpose, "label": t.label, "version": t.version, "text": t.text}
        for t in TEXTS.values()
    ]


def consents_of(user: User) -> list[dict[str, Any]]:
    """Each purpose for ``user``: its current text, whether a consent stands and to which
    version, and every grant and withdrawal (newest first)."""
    rows: dict[str, list[Consent]] = {}
    for row in Consent.objects.filter(customer=user).order_by("-granted_at", "-id"):
        rows.setdefault(row.purpose, []).append(row)
    answer = []
    for t in TEXTS.values():
        history = rows.get(t.purpose, [])
        standing = next((r for r in history if r.withdrawn_at is None), None)
        latest = history[0] if history else None
        answer.append(
            {
                "purpose": t.purpose,
                "label": t.label,
                "version": t.version,
                "text": t.text,
                "granted": standing is not None,
                "granted_at": standing.granted_at if standing else None,
                "agreed_version": standing.version if standing else None,
                # When the last consent was withdrawn (None while one stands).
                "withdrawn_at": latest.withdrawn_at if latest and not standing else None,
                "history": [
                    {
                        "version": r.version,
                        "granted_at": r.granted_at,
                        "withdrawn_at": r.withdrawn_at,
                    }
                    for r in history
                ],
            }
        )
    return answer


def grant(user: User, purpose: str, version: str) -> Consent:
    """Consent to ``purpose``'s text, which must be the current ``version`` (409
    ``stale_text`` otherwise: the member saw an older text). A consent standing to an older
    version is closed at that moment and replaced; the same version again changes nothing."""
    text = text_of(purpose)
    if version != text.version:
        raise Conflict(
            f"this text has changed (version {text.version}): read it again before agreeing",
            code="stale_text",
            field="version",
        )
    try:
        with transaction.atomic():
            standing = (
                Consent.objects.select_for_update()
                .filter(customer=user, purpose=purpose, withdrawn_at__isnull=True)
                .first()
            )
            if standing is not None and standing.version == version:
                return standing
            if standing is not None:
                standing.withdrawn_at = timezone.now()
                standing.save(update_fields=["withdrawn_at"])
            return Consent.objects.create(customer=user, purpose=purpose, version=version)
    except IntegrityError:  # granted at the same moment by another request
        return Consent.objects.get(customer=user, purpose=purpose, withdrawn_at__isnull=True)


def withdraw(user: User, purpose: str) -> bool:
    """Withdraw the standing consent to ``purpose``, at once: whether there was one. For
    care, the care team stops seeing the customer's health data with this transaction,
    and their open sockets on ``health:{customer}`` are dropped."""
    text_of(purpose)
    with transaction.atomic():
        withdrawn = Consent.objects.filter(
            customer=user, purpose=purpose, withdrawn_at__isnull=True
        ).update(withdrawn_at=timezone.now())
        if withdrawn and purpose == Consent.Purpose.CARE:
            narrow_rights(sorted(care_team_of(user.pk)), customer_id=user.pk)
    return bool(withdrawn)


def record_answers(user: User, answers: Mapping[str, Any] | None) -> None:
    """An explicit answer to each purpose (sign-up, onboarding): yes grants the current
    text, no withdraws a consent that stands. A purpose left out is refused, naming it."""
    given = answers if isinstance(answers, Mapping) else {}
    for purpose in TEXTS:
        if not isinstance(given.get(purpose), bool):
            raise ServiceError(
                f"answer the consent question '{purpose}' with yes or no",
                code="invalid_field",
                field=f"consents.{purpose}",
            )
    with transaction.atomic():
        for purpose, text in TEXTS.items():
            if given[purpose]:
                grant(user, purpose, text.version)
            else:
                withdraw(user, purpose)
