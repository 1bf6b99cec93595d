"""The forum: categories, threads (a forum "topic"; the word topic is the real-time
core's), posts, reactions, follows, read positions, and what moderation keeps.

A category or a thread may be localized (a locale and/or a region) and temporal (open
from ``starts_at`` to ``ends_at``; after the end it is read-only and archived).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

User = settings.AUTH_USER_MODEL


class Window(models.Model):
    """Open from ``starts_at`` (if set) until ``ends_at`` (if set); archived after."""

    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True, db_index=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    slow_mode_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def is_open(self, now: datetime | None = None) -> bool:
        at = now or timezone.now()
        if self.archived_at is not None:
            return False
        if self.starts_at is not None and at < self.starts_at:
            return False
        return self.ends_at is None or at < self.ends_at


class Category(Window):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    # Blank: everyone. A localized category is for customers of that locale and/or region.
    locale = models.CharField(max_length=16, blank=True, db_index=True)
    region = models.CharField(max_length=16, blank=True, db_index=True)
    position = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def topic(self) -> str:
        return f"forum:{self.pk}"

    @property
    def is_localized(self) -> bool:
        return bool(self.locale or self.region)


class Thread(Window):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="threads")
    title = models.CharField(max_length=200)
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="forum_threads")
    created_at = models.DateTimeField(default=timezone.now)
    last_posted_at = models.DateTimeField(default=timezone.now)
    # Posts are numbered 1, 2, ... in their thread; the first is the opening post.
    last_number = models.IntegerField(default=0)
    pinned = models.BooleanField(default=False)
    locked = models.BooleanField(default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["category", "-pinned", "-last_posted_at", "-id"])]

    def __str__(self) -> str:
        return self.title

    @property
    def topic(self) -> str:
        return f"thread:{self.pk}"


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    number = models.IntegerField()
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="forum_posts")
    # The author's id for this post: a retried post finds the stored one.
    client_id = models.CharField(max_length=64, blank=True)
    body = models.TextField()
    html = models.TextField()
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Hidden by enough flags until reviewed ("flags"), or by a moderator ("moderator").
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=16, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    flag_count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="post_number_once"),
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=~Q(client_id=""),
                name="post_client_id_once",
            ),
        ]
        indexes = [models.Index(fields=["author", "-created_at"])]

    def __str__(self) -> str:
        return f"post {self.number} of thread {self.thread_id}"

    @property
    def visible(self) -> bool:
        return self.hidden_at is None and self.deleted_at is None


class PostRevision(models.Model):
    """The text a post had before each edit: its edit history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    html = models.TextField()
    edited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"revision of post {self.post_id}"


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "emoji"], name="reaction_once")
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on post {self.post_id}"


class Follow(models.Model):
    """How closely a user follows a thread or a category; it drives notifications."""

    class Level(models.TextChoices):
        MUTED = "muted", "Muted"
        NORMAL = "normal", "Normal"
        WATCHING = "watching", "Watching"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="forum_follows")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, related_name="+")
    level = models.CharField(max_length=8, choices=Level.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "thread"], condition=Q(thread__isnull=False), name="follow_thread"
            ),
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=Q(category__isnull=False),
                name="follow_category",
            ),
            models.CheckConstraint(
                condition=Q(thread__isnull=True) ^ Q(category__isnull=True),
                name="follow_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.level} {self.thread_id or self.category_id}"


class ReadPosition(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    last_read_number = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="read_position_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} to {self.last_read_number}"


class ForumProfile(models.Model):
    """How a member appears in the forum. ``handle`` is how others @mention them."""

    class NameStyle(models.TextChoices):
        FULL = "full", "Full name"
        FIRST_INITIAL = "first_initial", "First name and initial"
        PSEUDONYM = "pseudonym", "Pseudonym"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="forum_profile")
    handle = models.CharField(max_length=30, unique=True)
    name_style = models.CharField(
        max_length=16, choices=NameStyle.choices, default=NameStyle.FIRST_INITIAL
    )

    def __str__(self) -> str:
        return f"@{self.handle}"


class Flag(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abusive or harassing"
        MISINFORMATION = "misinformation", "Health misinformation"
        OFF_TOPIC = "off_topic", "Off topic"
        PRIVACY = "privacy", "Shares someone's private information"
        OTHER = "other", "Something else"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "Upheld: the post stays hidden"
        DISMISSED = "dismissed", "Dismissed: the post is shown"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    flagged_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    # Whether it counts towards hiding the post before review: flags of new members
    # (trust level 0) go to the queue only, so a few fresh accounts cannot hide a post.
    counts = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "flagged_by"], name="flag_once")]
        indexes = [models.Index(fields=["resolved_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.reason} flag on post {self.post_id}"


class ModeratorScope(models.Model):
    """Where a moderator may act: one category, or every category matching a region
    and/or locale (blank matches only categories that are blank there too). A scope with
    neither region, locale nor category covers every category."""

    moderator = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mod_scopes")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, blank=True)
    region = models.CharField(max_length=16, blank=True)
    locale = models.CharField(max_length=16, blank=True)

    def __str__(self) -> str:
        return f"scope of {self.moderator_id}"


class Suspension(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="suspensions")
    until = models.DateTimeField()
    reason = models.CharField(max_length=500)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "until"])]

    def __str__(self) -> str:
        return f"{self.user_id} suspended until {self.until}"


class ModerationLogEntry(models.Model):
    """Who did what to what, and why. Append-only, like the access audit log."""

    moderator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32)
    target_kind = models.CharField(max_length=16)
    target_id = models.BigIntegerField()
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500)
    data = models.JSONField(default=dict)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"{self.action} {self.target_kind} {self.target_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("moderation log entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("moderation log entries cannot be deleted")
