"""In-person and virtual events: places, RSVPs and the waitlist, and the reminders sent.

Times are stored in UTC with the organiser's time zone beside them; each user sees them
in their own zone. Reminders are due at the event's local wall-clock time the day
before, and an hour before, whatever daylight saving does in between.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

User = settings.AUTH_USER_MODEL


class ClassSeries(models.Model):
    """A class: sessions on a schedule, and enrolment in all of them at once. General
    wellness education is for everyone; other classes are for one region."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    organiser = models.ForeignKey(User, on_delete=models.PROTECT, related_name="class_series")
    wellness_education = models.BooleanField(default=False)
    region = models.CharField(max_length=16, blank=True, db_index=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)  # None: no limit
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class Enrollment(models.Model):
    series = models.ForeignKey(ClassSeries, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrollments")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "user"], name="enrollment_once")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.series_id}"


class Event(models.Model):
    class Kind(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIRTUAL = "virtual", "Virtual"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    organiser = models.ForeignKey(User, on_delete=models.PROTECT, related_name="organised_events")
    category = models.CharField(max_length=40, blank=True, db_index=True)
    venue = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300, blank=True)
    # Where an in-person event is, and for whom a virtual one is meant (blank: everyone).
    region = models.CharField(max_length=16, blank=True, db_index=True)
    time_zone = models.CharField(max_length=64)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField(null=True, blank=True)  # None: no limit
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The organiser's word on why, told to those signed up (mail reads it when it is sent).
    cancel_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # A session of a class: enrolment in the series gives a place in it.
    series = models.ForeignKey(
        ClassSeries, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions"
    )
    # The live room of a virtual event: who may write in its chat, how often, and whether
    # the host has ended the session.
    chat_mode = models.CharField(max_length=8, default="everyone")
    chat_slow_seconds = models.PositiveIntegerField(default=0)
    room_ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("starts_at", "id")

    def __str__(self) -> str:
        return self.title

    @property
    def topic(self) -> str:
        return f"event:{self.pk}"


class Rsvp(models.Model):
    class Status(models.TextChoices):
        GOING = "going", "Going"
        WAITLISTED = "waitlisted", "On the waitlist"
        CANCELLED = "cancelled", "Cancelled"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="rsvps")
    status = models.CharField(max_length=10, choices=Status.choices)
    # The waitlist is served in the order people joined it.
    joined_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="rsvp_once")]
        indexes = [models.Index(fields=["event", "status", "joined_at", "id"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} for {self.event_id}"


class ReminderSent(models.Model):
    """One row per reminder per person: a reminder goes out once, however often the
    job runs or however many workers run it."""

    class Kind(models.TextChoices):
        DAY = "day", "A day before"
        HOUR = "hour", "An hour before"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user", "kind"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder of {self.event_id} to {self.user_id}"


class Attendance(models.Model):
    """One stay in an event's live room: when someone came in and when they left."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["event", "user"])]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.event_id} from {self.joined_at}"


class RoomRestriction(models.Model):
    """A host's word on one attendee: muted (cannot write) or removed (cannot enter)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    muted = models.BooleanField(default=False)
    removed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="room_restriction_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in room {self.event_id}"


class ChatMessage(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="chat")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=64)
    body = models.TextField()
    html = models.TextField()
    seq = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], name="chat_client_id_once")
        ]
        indexes = [models.Index(fields=["event", "-seq"])]

    def __str__(self) -> str:
        return f"chat {self.pk} in {self.event_id}"


class Question(models.Model):
    """A question asked in a live room; others upvote it, hosts answer or hide it."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    body = models.CharField(max_length=1000)
    votes = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"question {self.pk} in {self.event_id}"


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="question_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} up {self.question_id}"


class Poll(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(max_length=300)
    options = models.JSONField()
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.question


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    option = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="poll_vote_once")]

    def __str__(self) -> str:
        return f"{self.user_id} votes {self.option} in {self.poll_id}"


class RaisedHand(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="hand_once")]

    def __str__(self) -> str:
        return f"{self.user_id} raises a hand in {self.event_id}"
