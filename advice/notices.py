"""What care teams tell people: a customer is told in the app (never by mail: a care
relationship is health information) that a professional took them into their care."""

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
    )
)


def notify_added(customer: User, professional: User) -> None:
    notify(
        customer,
        "care.added",
        f"{professional.public_name()} took you into their care",
        body="They can message you, and you them. You can leave a care team in your settings.",
        url="/settings#care-team",
        data={"actor": professional.pk},
    )
