"""What the real-time core keeps about a member: the durable log of their own topic,
``user:{id}`` (their notices and the conversations they were added to, as events). On
erasure it goes. Events on other topics that copy their words stay for the others; the
apps that wrote them rewrite who they name (``realtime.copies.rewrite``)."""

from __future__ import annotations

from accounts.models import User
from accounts.personal_data import register
from realtime.models import LogEntry


def erase_own_topic(user: User) -> None:
    LogEntry.objects.filter(topic_id=f"user:{user.pk}").delete()


register("realtime", erase=erase_own_topic)
