"""The kinds of notification, with their defaults. Apps add theirs here."""

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


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind("dm.message", "New direct message", title="New message from {actor}"),
        Kind("forum.mention", "Someone mentioned you in the forum"),
        Kind("forum.reply", "Someone replied to your post"),
        Kind("forum.post", "New post in a thread you watch", email=False),
        Kind("forum.thread", "New thread in a category you watch", email=False),
        Kind("forum.moderation", "A moderator acted on your post or account"),
        Kind("event.reminder", "A reminder of an event you are going to"),
        Kind("event.changed", "An event you signed up for changed"),
        Kind("event.cancelled", "An event you signed up for was cancelled"),
        Kind("event.promoted", "A place freed up for you at an event"),
        Kind("event.message", "A message from an event's organiser"),
    ]
}
