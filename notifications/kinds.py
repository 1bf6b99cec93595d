"""The kinds of notification, with their defaults. Apps add theirs here.

``mailed``: whether the kind is ever sent by e-mail. One that is not is never on by e-mail
(off by default, and a member cannot turn it on), so the preferences say what happens.
``compose``: for kinds mailed by ``notifications.tasks.email_notice``, the function that
writes the mail when it is sent (``"module.function"``, called with the member, the kind
and the ids the mail was queued with; None when there is nothing to send any more).
Direct messages are mailed by their own task (``community.messaging.tasks``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    in_app: bool = True
    email: bool = True
    # For notices about someone (``data.actor``): the title, naming them as they are now.
    title: str = ""
    mailed: bool = True
    compose: str = ""


EVENT_MAIL = "events.notices.compose_mail"


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind("dm.message", "New direct message", title="New message from {actor}"),
        Kind("forum.mention", "Someone mentioned you in the forum", email=False, mailed=False),
        Kind("forum.reply", "Someone replied to your post", email=False, mailed=False),
        Kind("forum.post", "New post in a thread you watch", email=False, mailed=False),
        Kind("forum.thread", "New thread in a category you watch", email=False, mailed=False),
        Kind(
            "forum.moderation",
            "A moderator acted on your post or account",
            email=False,
            mailed=False,
        ),
        Kind("event.reminder", "A reminder of an event you are going to", compose=EVENT_MAIL),
        Kind("event.changed", "An event you signed up for changed", compose=EVENT_MAIL),
        Kind("event.cancelled", "An event you signed up for was cancelled", compose=EVENT_MAIL),
        Kind("event.promoted", "A place freed up for you at an event", compose=EVENT_MAIL),
        Kind("event.message", "A message from an event's organiser", email=False, mailed=False),
    ]
}
