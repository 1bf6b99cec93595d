"""The durable event log: one row per topic holding its sequence, one entry per event.

An event's ``seq`` is allocated by the update that takes the topic row's next number,
which keeps the row locked until the writing transaction commits. Events therefore commit in
``seq`` order, and a reader that has seen ``seq`` N can never later find an N-1 that
committed late: a cursor never skips an event.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Topic(models.Model):
    name = models.CharField(max_length=64, primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    # Events with seq <= pruned_through were removed by retention; older cursors resync.
    pruned_through = models.BigIntegerField(default=0)
    # When who may follow this topic last narrowed (``recheck_followers``): the tail check
    # has followers re-check if the broadcast asking them to was lost.
    rechecked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.last_seq}"


class LogEntry(models.Model):
    """One stored event of a durable topic (``realtime.log``), replayed from a cursor."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, db_column="topic", related_name="+")
    seq = models.BigIntegerField()
    type = models.CharField(max_length=48)
    data = models.JSONField()
    at = models.DateTimeField(default=timezone.now)
    # The member text this event copies ("message:42", "post:17"), if any: when that text
    # is edited, hidden or deleted, realtime.copies.withdraw rewrites every such event.
    # Null (not ""): most events copy nothing, and the partial index leaves them out.
    source = models.CharField(max_length=48, null=True, blank=True)  # noqa: DJ001

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "seq"], name="event_topic_seq")]
        indexes = [
            models.Index(fields=["at"]),
            models.Index(
                fields=["source"], name="event_source", condition=models.Q(source__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}#{self.seq} {self.type}"


class RightsChange(models.Model):
    """When a user's rights last narrowed (``accounts.signals.narrow_rights``). The access
    sweep reads it, so an open socket acts on the change even if its broadcast was lost."""

    user_id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"rights of {self.user_id} narrowed at {self.at:%Y-%m-%d %H:%M:%S}"
