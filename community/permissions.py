"""Who may message whom, and who may see a conversation: the rules in one place."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from accounts.errors import Forbidden, NotFound
from accounts.models import User
from accounts.roles import CARE_ROLES, STAFF_ROLES, Role
from advice.models import CareTeamMember
from advice.permissions import in_care_relationship
from community.models import Block, Conversation, Membership, MessagingSettings


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
    if not recipient.is_active:
        raise Forbidden("this account is not active", code="cannot_message")
    facts = _facts(sender, recipient)
    if facts["care"]:
        return
    if facts["blocked_by_recipient"]:
        raise Forbidden("this person is not accepting your messages", code="blocked")
    if facts["blocked_by_sender"]:
        raise Forbidden("you blocked this person; unblock them first", code="blocked")
    if sender.role in STAFF_ROLES or recipient.role in STAFF_ROLES:
        return
    if sender.role in CARE_ROLES and recipient.role in CARE_ROLES:
        return
    if sender.role == Role.CUSTOMER and recipient.role == Role.CUSTOMER:
        if facts["accepts"]:
            return
        raise Forbidden(
            "this person does not take messages from other customers", code="cannot_message"
        )
    raise Forbidden(
        "you can message dietitians and providers in your care team only", code="cannot_message"
    )


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
