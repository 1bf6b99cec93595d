"""The community app's models: direct messaging, the forum and its moderation."""

from community.models.forum import (
    Category,
    Flag,
    Follow,
    ForumProfile,
    ModerationLogEntry,
    ModeratorScope,
    Post,
    PostRevision,
    Reaction,
    ReadPosition,
    Suspension,
    Thread,
)
from community.models.messaging import (
    Conversation,
    Membership,
    Message,
    MessagingSettings,
)
from community.models.surveys import Answer, Question, Response, SnapshotRow, Survey

__all__ = [
    "Answer",
    "Category",
    "Conversation",
    "Flag",
    "Follow",
    "ForumProfile",
    "Membership",
    "Message",
    "MessagingSettings",
    "ModerationLogEntry",
    "ModeratorScope",
    "Post",
    "PostRevision",
    "Question",
    "Reaction",
    "ReadPosition",
    "Response",
    "SnapshotRow",
    "Survey",
    "Suspension",
    "Thread",
]
