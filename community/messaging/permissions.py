"""Who may message whom, and who may see a conversation: the rules in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from accounts.models import Block, User
from accounts.roles import CARE_ROLES, STAFF_ROLES, Role
from advice.models import CareTeamMember
from advice.permissions import in_care_relationship
from community.models import Conversation, Membership, MessagingSettings
from core.errors import Forbidden, NotFound


def is_blocked(blocker: User, blocked: User) -> bool:
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


def blocks_between(user_ids: list[int]) -> bool:
    """Whether anyone among ``user_ids`` blocks anyone else among them."""
    return Block.objects.filter(blocker_id__in=user_ids, blocked_id__in=user_ids).exists()


FACTS_SQL = f"""
SELECT
  EXISTS (SELECT 1 FROM {CareTeamMember._meta.db_table}
          WHERE (customer_id = %(s)s AND professional_id = %(r)s)
             OR (customer_id = %(r)s AND professional_id = %(s)s)),
  EXISTS (SELECT 1 FROM {Block._meta.db_table} WHERE blocker_id = %(r)s AND blocked_id = %(s)s),
  EXISTS (SELECT 1 FROM {Block._meta.db_table} WHERE blocker_id = %(s)s AND blocked_id = %(r)s),
  COALESCE((SELECT accept_from_customers FROM {MessagingSettings._meta.db_table}
            WHERE user_id = %(r)s), TRUE)
"""  # noqa: S608  (table names come from the models; values are parameters)


def _facts(sender: User, recipient: User) -> dict[str, bool]:
    """Everything the rules need about a pair, in one query (written out: this runs on
    every direct message, and building it with the ORM cost more than running it)."""
    with connection.cursor() as cursor:
        cursor.execute(FACTS_SQL, {"s": sender.pk, "r": recipient.pk})
        care, blocked_by_recipient, blocked_by_sender, accepts = cursor.fetchone()
    return {
        "care": bool(care),
        "blocked_by_recipient": bool(blocked_by_recipient),
        "blocked_by_sender": bool(blocked_by_sender),
        "accepts": bool(accepts),
    }


def check_can_message(sender: User, recipient: User) -> None:
    """Raise Forbidden unless ``sender`` may start or continue a conversation with ``recipient``.

    - A customer and a professional in their care team: always (a block does not cut
      the care relationship; it is ended by leaving the care team).
    - A block either way stops everything else.
    - Moderators and admins: with anyone, and anyone with them.
    - Dietitians and medical providers: with each other.
    - Customer to customer: unless the recipient turned it off.
    """
    if sender.pk == recipient.pk:
        raise Forbidden("you cannot message yourself", code="cannot_message")
    _decide(sender, recipient.role, recipient.is_active, _facts(sender, recipient))


def _decide(
    sender: User, recipient_role: str, recipient_active: bool, facts: dict[str, bool]
) -> None:
    if not recipient_active:
        raise Forbidden("this account is not active", code="cannot_message")
    if facts["care"]:
        return
    if facts["blocked_by_recipient"]:
        raise Forbidden("this person is not accepting your messages", code="blocked")
    if facts["blocked_by_sender"]:
        raise Forbidden("you blocked this person; unblock them first", code="blocked")
    if sender.role in STAFF_ROLES or recipient_role in STAFF_ROLES:
        return
    if sender.role in CARE_ROLES and recipient_role in CARE_ROLES:
        return
    if sender.role == Role.CUSTOMER and recipient_role == Role.CUSTOMER:
        if facts["accepts"]:
            return
        raise Forbidden(
            "this person does not take messages from other customers", code="cannot_message"
        )
    raise Forbidden(
        "you can message dietitians and providers in your care team only", code="cannot_message"
    )


SEND_CONTEXT_SQL = f"""
SELECT c.kind, o.user_id, u.role, u.is_active,
  EXISTS (SELECT 1 FROM {CareTeamMember._meta.db_table}
          WHERE (customer_id = %(s)s AND professional_id = o.user_id)
             OR (customer_id = o.user_id AND professional_id = %(s)s)),
  EXISTS (SELECT 1 FROM {Block._meta.db_table} WHERE blocker_id = o.user_id AND blocked_id = %(s)s),
  EXISTS (SELECT 1 FROM {Block._meta.db_table} WHERE blocker_id = %(s)s AND blocked_id = o.user_id),
  COALESCE((SELECT accept_from_customers FROM {MessagingSettings._meta.db_table}
            WHERE user_id = o.user_id), TRUE)
FROM {Membership._meta.db_table} m
JOIN {Conversation._meta.db_table} c ON c.id = m.conversation_id
LEFT JOIN {Membership._meta.db_table} o
  ON o.conversation_id = m.conversation_id AND o.user_id <> m.user_id AND c.kind = 'direct'
LEFT JOIN {User._meta.db_table} u ON u.id = o.user_id
WHERE m.conversation_id = %(c)s AND m.user_id = %(s)s
"""  # noqa: S608  (table names come from the models; values are parameters)


@dataclass(frozen=True)
class SendContext:
    """What a send needs to know, read in one query: the conversation's kind and, for a
    direct conversation, the partner and the facts the messaging rules look at."""

    conversation: Conversation
    partner_id: int | None
    partner_role: str
    partner_active: bool
    facts: dict[str, bool]

    @classmethod
    def from_row(cls, conversation_id: int, row: tuple[Any, ...] | None) -> SendContext:
        """From a row of SEND_CONTEXT_SQL; NotFound if there is none (not a member)."""
        if row is None:
            raise NotFound("no such conversation")
        kind, partner_id, role, active, care, by_recipient, by_sender, accepts = row
        return cls(
            conversation=Conversation(pk=conversation_id, kind=kind),
            partner_id=partner_id,
            partner_role=role or "",
            partner_active=bool(active),
            facts={
                "care": bool(care),
                "blocked_by_recipient": bool(by_recipient),
                "blocked_by_sender": bool(by_sender),
                "accepts": bool(accepts),
            },
        )

    def check(self, sender: User) -> None:
        """The messaging rules for a direct conversation (a group is checked when made)."""
        if self.partner_id is not None:
            _decide(sender, self.partner_role, self.partner_active, self.facts)


def send_context(sender: User, conversation_id: int) -> SendContext:
    """Raises NotFound for a conversation the sender is not in."""
    with connection.cursor() as cursor:
        cursor.execute(SEND_CONTEXT_SQL, send_context_params(sender, conversation_id))
        row = cursor.fetchone()
    return SendContext.from_row(conversation_id, row)


def send_context_params(sender: User, conversation_id: int) -> dict[str, int]:
    return {"s": sender.pk, "c": conversation_id}


def membership_or_404(user: User, conversation_id: int) -> Membership:
    """A stranger learns nothing: a conversation one is not in does not exist for them."""
    membership = find_membership(user, conversation_id)
    if membership is None:
        raise NotFound("no such conversation")
    return membership


def is_member(user: User, conversation_id: int) -> bool:
    return Membership.objects.filter(conversation_id=conversation_id, user=user).exists()


def can_follow_conversation(user: User, conversation_id: int) -> bool:
    """Members follow their conversations live; in a direct conversation with someone who
    has blocked them (outside a care relationship), they no longer see presence, typing or
    receipts. The history stays readable over HTTP."""
    membership = find_membership(user, conversation_id)
    if membership is None:
        return False
    if membership.conversation.kind != Conversation.Kind.DIRECT:
        return True
    partner = (
        Membership.objects.filter(conversation_id=conversation_id)
        .exclude(user=user)
        .select_related("user")
        .first()
    )
    if partner is None or not is_blocked(partner.user, user):
        return True
    return in_care_relationship(user, partner.user)


def find_membership(user: User, conversation_id: int) -> Membership | None:
    return (
        Membership.objects.select_related("conversation")
        .filter(conversation_id=conversation_id, user=user)
        .first()
    )


def filter_conversations(
    user: User, conversations: QuerySet[Conversation]
) -> QuerySet[Conversation]:
    return conversations.filter(memberships__user=user)


def check_knows(viewer: User, member_id: int) -> None:
    """A member's card by id is for those who already know the member by that id: the
    member, the people they share a conversation with, and either side of a care
    relationship. Anybody else is told there is no such member, as for an id that names
    nobody (account ids tell nothing)."""
    if viewer.pk == member_id:
        return
    shares = Membership.objects.filter(
        user_id=member_id, conversation__memberships__user=viewer
    ).exists()
    either_side = Q(customer=viewer, professional_id=member_id) | Q(
        customer_id=member_id, professional=viewer
    )
    if shares or CareTeamMember.objects.filter(either_side).exists():
        return
    raise NotFound("no such member")
