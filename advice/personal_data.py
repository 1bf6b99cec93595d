"""What advice keeps about a member: the care teams they are in (as a customer, or as a
professional caring for customers) and the care requests they made or were sent. In the
download as the member sees them; on erasure they all go, and everyone who loses a care
relationship acts with their narrower rights at once (open sockets too). A handover a
professional made (``handed_over_by``) stays with the customer's request, by their id;
those still pending are withdrawn (they are in no care team any more)."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from accounts.audit import record_access
from accounts.models import User
from accounts.personal_data import Part, Table, register
from accounts.signals import narrow_rights
from advice.models import CareRequest, CareTeamMember

# Who wrote a request's message, and who its reply (the side that declines), by kind. A
# handover is declined by either the customer or the dietitian asked: its reply is
# nobody's in particular, and in nobody's download.
MESSAGE_BY: dict[str, str] = {
    CareRequest.Kind.REQUEST: "customer_id",
    CareRequest.Kind.OFFER: "professional_id",
    CareRequest.Kind.HANDOVER: "handed_over_by_id",
}
REPLY_BY: dict[str, str] = {
    CareRequest.Kind.REQUEST: "professional_id",
    CareRequest.Kind.OFFER: "customer_id",
}


def _wrote(request: CareRequest, user: User, by: dict[str, str]) -> bool:
    """Whether ``user`` wrote that text: a download holds the member's own words only (a
    customer's message to a dietitian may tell of their health)."""
    field = by.get(request.kind)
    return field is not None and getattr(request, field) == user.pk


def export_care(user: User) -> list[Part]:
    teams = (
        CareTeamMember.objects.filter(Q(customer=user) | Q(professional=user))
        .select_related("customer", "professional")
        .order_by("since", "id")
    )
    requests = (
        CareRequest.objects.filter(Q(customer=user) | Q(professional=user))
        .select_related("customer", "professional", "handed_over_by")
        .order_by("created_at", "id")
    )
    # A professional's download names the customers they care for: in those customers'
    # access logs, as any other listing of them is.
    cared_for = [m.customer_id for m in teams if m.professional_id == user.pk]
    record_access(user, cared_for, "export", "care team", "task")
    return [
        Table(
            "care-team",
            [
                {
                    "as": "customer" if m.customer_id == user.pk else "professional",
                    "customer": m.customer.public_name(),
                    "professional": m.professional.public_name(),
                    "professional_role": m.professional.role,
                    "since": m.since,
                }
                for m in teams
            ],
            columns=("as", "customer", "professional", "professional_role", "since"),
        ),
        Table(
            "care-requests",
            [
                {
                    "as": "customer" if r.customer_id == user.pk else "professional",
                    "kind": r.kind,
                    "customer": r.customer.public_name(),
                    "professional": r.professional.public_name(),
                    "handed_over_by": r.handed_over_by.public_name() if r.handed_over_by else "",
                    "message": r.message if _wrote(r, user, MESSAGE_BY) else "",
                    "status": r.status,
                    "created_at": r.created_at,
                    "decided_at": r.decided_at,
                    "reply": r.reply if _wrote(r, user, REPLY_BY) else "",
                }
                for r in requests
            ],
            columns=(
                "as",
                "kind",
                "customer",
                "professional",
                "handed_over_by",
                "message",
                "status",
                "created_at",
                "decided_at",
                "reply",
            ),
        ),
    ]


def erase_care(user: User) -> None:
    mine = Q(customer=user) | Q(professional=user)
    others = set(CareTeamMember.objects.filter(mine).values_list("customer_id", "professional_id"))
    # Out of every care team, they hand nobody over any more.
    CareRequest.objects.filter(handed_over_by=user, status=CareRequest.Status.PENDING).update(
        status=CareRequest.Status.WITHDRAWN, decided_at=timezone.now()
    )
    CareTeamMember.objects.filter(mine).delete()
    CareRequest.objects.filter(mine).delete()
    # Their care team's pages hear that this customer is gone from their care.
    narrow_rights([pro for customer, pro in others if customer == user.pk], customer_id=user.pk)
    narrow_rights([customer for customer, pro in others if pro == user.pk])


register(
    "advice",
    models=("advice.CareTeamMember", "advice.CareRequest"),
    export=export_care,
    erase=erase_care,
    keeps="handovers they made to another professional keep their id",
)
