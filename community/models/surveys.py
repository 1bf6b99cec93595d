"""Surveys: questions for an audience, one editable response per customer while open."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

User = settings.AUTH_USER_MODEL


class Survey(models.Model):
    class Audience(models.TextChoices):
        ALL = "all", "Everyone"
        REGION = "region", "One region"
        LOCALE = "locale", "One locale"

    class ResultsFor(models.TextChoices):
        AUTHOR = "author", "The author and staff"
        RESPONDENTS = "respondents", "Those who answered, the author and staff"
        AUDIENCE = "audience", "The whole audience"

    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.ALL)
    # The region or locale when the audience is one; blank for everyone.
    audience_value = models.CharField(max_length=16, blank=True)
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    results_for = models.CharField(
        max_length=12, choices=ResultsFor.choices, default=ResultsFor.AUTHOR
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The results shown: recomputed only once SURVEY_MIN_GROUP more counted responses came
    # in, so two successive results never differ by fewer people than that.
    results_snapshot = models.JSONField(null=True, blank=True)
    snapshot_responses = models.IntegerField(default=0)

    class Meta:
        ordering = ("-opens_at", "-id")

    def __str__(self) -> str:
        return self.title

    @property
    def topic(self) -> str:
        return f"survey:{self.pk}"

    def is_open(self, now: datetime | None = None) -> bool:
        at = now or timezone.now()
        return self.opens_at <= at < self.closes_at


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        SCALE = "scale", "Scale"
        TEXT = "text", "Free text"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.IntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    text = models.CharField(max_length=500)
    required = models.BooleanField(default=False)
    options = models.JSONField(default=list)  # choice labels, for single and multiple
    scale_min = models.IntegerField(default=1)
    scale_max = models.IntegerField(default=5)

    class Meta:
        ordering = ("position",)

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="survey_responses")
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="response_once")]

    def __str__(self) -> str:
        return f"response of {self.user_id} to {self.survey_id}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choices = models.JSONField(default=list)  # option indexes, for single and multiple
    number = models.IntegerField(null=True, blank=True)  # for a scale
    text = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once")]

    def __str__(self) -> str:
        return f"answer to {self.question_id}"


class SnapshotRow(models.Model):
    """One respondent's row in the author's CSV, made with the results snapshot and
    changed only by the next one: two exports between snapshots are the same, whatever
    one person does meanwhile.

    Choice and scale answers are kept as they were (``cells``: question id to option
    numbers or a number; ``True`` where a free-text answer was given). Free text is never
    copied: ``texts`` points at the answers themselves, so an answer replaced or withdrawn
    (or its account deleted) takes its link with it and leaves no words here."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="snapshot_rows")
    # The response the row was made from, until it changes (then the row is made again
    # with the next snapshot) or goes.
    response = models.OneToOneField(
        Response, on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshot_row"
    )
    position = models.BigIntegerField()  # random: the CSV's order says nothing
    cells = models.JSONField(default=dict)
    texts = models.ManyToManyField(Answer, blank=True, related_name="+")

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return f"row of survey {self.survey_id}"
