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
    # Counted in the survey's latest results snapshot: the author's CSV has these rows
    # and no others, so it grows only when the results do.
    in_snapshot = models.BooleanField(default=False)

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
