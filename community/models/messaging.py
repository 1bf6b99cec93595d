from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

User = settings.AUTH_USER_MODEL


class Conversation(models.Model):
    """A direct conversation between two people, or a small group."""

    class Kind(models.TextChoices):
        DIRECT = "direct", "Direct"
        GROUP = "group", "Group"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=120, blank=True)
    # "smaller id:larger id" for direct conversations: one per pair, enforced by the index.
    direct_key = models.CharField(max_length=48, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return self.title or f"conversation {self.pk}"

    @property
    def topic(self) -> str:
        return f"dm:{self.pk}"


class Membership(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="dm_memberships")
    joined_at = models.DateTimeField(default=timezone.now)
    # The seq (on dm:{id}) up to which this member has read.
    last_read_seq = models.BigIntegerField(default=0)
    last_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="membership_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # The sender's id for this send: a retried send finds the stored message.
    client_id = models.CharField(max_length=64)
    body = models.TextField()
    html = models.TextField()
    # The seq of its message.created event on dm:{conversation}.
    seq = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_id"], name="message_client_id_once")
        ]
        indexes = [models.Index(fields=["conversation", "-seq"])]

    def __str__(self) -> str:
        return f"message {self.pk} in {self.conversation_id}"


class MessagingSettings(models.Model):
    """A user's choices about direct messages; defaults apply until saved."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="messaging")
    accept_from_customers = models.BooleanField(default=True)
    share_read_receipts = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"messaging settings of {self.user_id}"
