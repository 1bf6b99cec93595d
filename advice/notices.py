"""What care teams tell people, in the app only (never by mail: a care relationship is
health information): a professional took a customer into their care; a customer asked a
dietitian to take them on, the dietitian accepted (both sides are told) or declined; a
dietitian handed a customer over to another."""

from __future__ import annotations

from accounts.models import User
from notifications.kinds import Kind, register
from notifications.services import notify

register(
    Kind(
        "care.added",
        "A dietitian or provider took you into their care",
        email=False,
        mailed=False,
        title="{actor} took you into their care",
    ),
    Kind(
        "care.request",
        "Someone asks you to take them into your care",
        email=False,
        mailed=False,
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
        "A dietitian declined a care request",
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
        "care.handed_over",
        "Your care is handed over to another dietitian",
        email=False,
        mailed=False,
    ),
)

# Where each side finds their requests.
CUSTOMER_PAGE = "/settings#care-requests"
PROFESSIONAL_PAGE = "/care#requests"


def notify_added(customer: User, professional: User) -> None:
    notify(
        customer,
        "care.added",
        f"{professional.public_name()} took you into their care",
        body="They can message you, and you them. You can leave a care team in your settings.",
        url="/settings#care-team",
        data={"actor": professional.pk},
    )


def notify_request(customer: User, professional: User, handed_over_by: User | None) -> None:
    """To the dietitian asked (the message itself is on their page, not in the notice)."""
    if handed_over_by is None:
        title = f"{customer.public_name()} asks you to take them into your care"
    else:
        title = f"{handed_over_by.public_name()} hands {customer.public_name()} over to your care"
    notify(
        professional,
        "care.request",
        title,
        body="Accept or decline on My customers.",
        url=PROFESSIONAL_PAGE,
        data={"customer": customer.pk},
    )


def notify_handover_proposed(customer: User, professional: User, handing: User) -> None:
    notify(
        customer,
        "care.handed_over",
        f"{handing.public_name()} hands your care over to {professional.public_name()}",
        body=f"{professional.public_name()} is asked to take you on. You can withdraw the "
        "request in your settings.",
        url=CUSTOMER_PAGE,
        data={"professional": professional.pk, "handed_over_by": handing.pk},
    )


def notify_accepted(customer: User, professional: User, handing: User | None) -> None:
    """Both sides are told: the customer, and the dietitian who accepted (a live notice
    on each side); after a handover, also the dietitian who handed the customer over."""
    if handing is None:
        notify(
            customer,
            "care.accepted",
            f"{professional.public_name()} accepted: they are in your care team",
            body="They can message you, and you them. You can leave a care team in your settings.",
            url="/settings#care-team",
            data={"actor": professional.pk},
        )
    else:
        notify(
            customer,
            "care.handed_over",
            f"{professional.public_name()} took over your care from {handing.public_name()}",
            body=f"{handing.public_name()} left your care team.",
            url="/settings#care-team",
            data={"professional": professional.pk, "handed_over_by": handing.pk},
        )
        notify(
            handing,
            "care.handed_over",
            f"{professional.public_name()} took over the care of {customer.public_name()}",
            body="You left their care team.",
            url="/care",
            data={"professional": professional.pk, "customer": customer.pk},
        )
    notify(
        professional,
        "care.joined",
        f"{customer.public_name()} is in your care now",
        body="You can message them, and see what they share with their care team.",
        url="/care",
        data={"actor": customer.pk},
    )


def notify_declined(customer: User, professional: User, handing: User | None) -> None:
    """The customer (and the dietitian who handed them over) is told; the reply is on
    their pages, not copied into the notice."""
    title = f"{professional.public_name()} declined the care request"
    for person, url in ((customer, CUSTOMER_PAGE), (handing, PROFESSIONAL_PAGE)):
        if person is not None:
            notify(
                person,
                "care.declined",
                title,
                body="Their reply is with the request.",
                url=url,
                data={"actor": professional.pk, "customer": customer.pk},
            )
