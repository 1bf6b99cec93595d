"""What care teams tell people, in the app only (never by mail: a care relationship is
health information): a customer asks a dietitian to take them on, a dietitian offers to
take a customer into their care, a dietitian hands a customer over to another; the care
team forms when both sides agreed (everyone concerned is told), or someone declines.

Each kind's title names people only through their ids in the notice's ``data`` (its
template, ``notifications.kinds.Kind.title``): shown, it names them as they are now, and
erasing a member renames them in every notice that names them. Bodies name nobody."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import User
from advice.models import CareRequest
from notifications.kinds import KINDS, Kind, register
from notifications.models import Notification
from notifications.services import mark_read, notify

register(
    Kind(
        "care.added",
        "A dietitian or provider joined your care team",
        email=False,
        mailed=False,
        title="{actor} is in your care team now",
    ),
    Kind(
        "care.request",
        "A customer asks you to take them into your care",
        email=False,
        mailed=False,
        title="{customer} asks you to take them into your care",
    ),
    Kind(
        "care.offer",
        "A dietitian offers to take you into their care",
        email=False,
        mailed=False,
        title="{actor} offers to take you into their care",
    ),
    Kind(
        "care.handover",
        "A dietitian hands a customer over to your care",
        email=False,
        mailed=False,
        title="{handed_over_by} hands {customer} over to your care",
    ),
    Kind(
        "care.handed_over",
        "Your dietitian proposes to hand your care over",
        email=False,
        mailed=False,
        title="{handed_over_by} hands your care over to {professional}",
    ),
    Kind(
        "care.accepted",
        "A dietitian accepted your care request",
        email=False,
        mailed=False,
        title="{actor} accepted: they are in your care team",
    ),
    Kind(
        "care.declined",
        "Someone declined a care request",
        email=False,
        mailed=False,
        title="{actor} declined the care request",
    ),
    Kind(
        "care.joined",
        "A customer joined your care",
        email=False,
        mailed=False,
        title="{actor} is in your care now",
    ),
    Kind(
        "care.taken_over",
        "Another dietitian took over your care",
        email=False,
        mailed=False,
        title="{professional} took over your care from {handed_over_by}",
    ),
    Kind(
        "care.handover_done",
        "A customer you handed over is in another dietitian's care",
        email=False,
        mailed=False,
        title="{professional} took over the care of {customer}",
    ),
)

# Where each side finds their requests.
CUSTOMER_PAGE = "/settings#care-requests"
PROFESSIONAL_PAGE = "/care/requests#requests"


def _notify(user: User, kind: str, people: dict[str, User], body: str, url: str) -> None:
    """A notice of ``kind`` naming ``people`` (their ``data`` key -> who): the stored
    title is the kind's template filled in now; shown, it is filled in again."""
    data = {key: person.pk for key, person in people.items()}
    title = KINDS[kind].title.format(**{key: p.public_name() for key, p in people.items()})
    notify(user, kind, title, body=body, url=url, data=data)


def notify_added(customer: User, professional: User) -> None:
    """An admin put ``professional`` in ``customer``'s care team: both are told."""
    _notify(
        customer,
        "care.added",
        {"actor": professional},
        "They can message you, and you them. You can leave a care team in your settings.",
        "/settings#care-team",
    )
    _notify(
        professional,
        "care.joined",
        {"actor": customer},
        "You can message them, and see what they share with their care team.",
        "/care",
    )


def notify_asked(request: CareRequest) -> None:
    """Whoever is asked to agree: the dietitian a customer asks; the customer a dietitian
    offers their care to; after a handover, the dietitian asked to take over and the
    customer (the message itself is on their page, not in the notice)."""
    customer, professional = request.customer, request.professional
    if request.kind == CareRequest.Kind.REQUEST:
        _notify(
            professional,
            "care.request",
            {"customer": customer},
            "Accept or decline on My customers.",
            PROFESSIONAL_PAGE,
        )
    elif request.kind == CareRequest.Kind.OFFER:
        _notify(
            customer,
            "care.offer",
            {"actor": professional},
            "Accept or decline in your settings. Until you accept, they see none of your "
            "health data.",
            CUSTOMER_PAGE,
        )
    elif request.handed_over_by is not None:
        handing = request.handed_over_by
        _notify(
            professional,
            "care.handover",
            {"handed_over_by": handing, "customer": customer},
            "Accept or decline on My customers. The customer is asked too: you join their "
            "care team once you both accept.",
            PROFESSIONAL_PAGE,
        )
        _notify(
            customer,
            "care.handed_over",
            {"handed_over_by": handing, "professional": professional},
            "Accept or decline in your settings: the new dietitian joins your care team "
            "only if you both accept.",
            CUSTOMER_PAGE,
        )


def notify_formed(request: CareRequest) -> None:
    """The care team formed: everyone concerned is told (a live notice on each side);
    after a handover, the handing dietitian too, who left the team."""
    customer, professional, handing = (
        request.customer,
        request.professional,
        request.handed_over_by,
    )
    team_page = "/settings#care-team"
    if request.kind == CareRequest.Kind.REQUEST:
        _notify(
            customer,
            "care.accepted",
            {"actor": professional},
            "They can message you, and you them. You can leave a care team in your settings.",
            team_page,
        )
    elif request.kind == CareRequest.Kind.HANDOVER and handing is not None:
        _notify(
            customer,
            "care.taken_over",
            {"professional": professional, "handed_over_by": handing},
            "Your former dietitian left your care team.",
            team_page,
        )
        _notify(
            handing,
            "care.handover_done",
            {"professional": professional, "customer": customer},
            "You left their care team.",
            "/care",
        )
    else:
        _notify(
            customer,
            "care.added",
            {"actor": professional},
            "They can message you, and you them. You can leave a care team in your settings.",
            team_page,
        )
    _notify(
        professional,
        "care.joined",
        {"actor": customer},
        "You can message them, and see what they share with their care team.",
        "/care",
    )


def notify_declined(request: CareRequest, by: User) -> None:
    """The others concerned are told; the reply is on their pages, not in the notice."""
    for person, url in (
        (request.customer, CUSTOMER_PAGE),
        (request.professional, PROFESSIONAL_PAGE),
        (request.handed_over_by, PROFESSIONAL_PAGE),
    ):
        if person is not None and person.pk != by.pk:
            _notify(
                person,
                "care.declined",
                {"actor": by},
                "The reply, if any, is with the request.",
                url,
            )


def mark_answered(request: CareRequest, answering: User) -> None:
    """The notice that asked ``answering`` about ``request`` is read once they answer it
    (accepting or declining, on any page): it asks nothing any more."""
    asked: dict[str, dict[str, int | None]]
    if answering.pk == request.customer_id:
        asked = {
            "care.offer": {"actor": request.professional_id},
            "care.handed_over": {
                "handed_over_by": request.handed_over_by_id,
                "professional": request.professional_id,
            },
        }
    else:
        asked = {
            "care.request": {"customer": request.customer_id},
            "care.handover": {
                "handed_over_by": request.handed_over_by_id,
                "customer": request.customer_id,
            },
        }
    which = Q()
    for kind, people in asked.items():
        if all(people.values()):
            which |= Q(kind=kind, **{f"data__{key}": pk for key, pk in people.items()})
    ids = list(
        Notification.objects.filter(which, user=answering, read_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if ids:
        mark_read(answering, ids)
