"""A customer's profile and health record: attributes admins define, the medical-test
catalogue, results over time, consent per purpose, and who may see each field.

Every field has an audience the customer chose (``Audience``); ``profiles.permissions``
decides who sees what, on every door. Nothing here stores a value twice: events and
notices name what changed, never the value. A model of a customer's record names itself
by its own id only (``result 12``): ``__str__`` shows in admin pages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Audience(models.TextChoices):
    """Who may see a field, narrowest first. Each audience includes the ones before it."""

    ONLY_ME = "only_me", "Only me"
    CARE_TEAM = "care_team", "My care team"
    # Also on the community profile card: only for attributes an admin marks as display
    # fields (a city, a bio), never a medical value.
    COMMUNITY = "community", "My care team and my community profile"


AUDIENCE_RANK = {Audience.ONLY_ME: 0, Audience.CARE_TEAM: 1, Audience.COMMUNITY: 2}


class Attribute(models.Model):
    """One field of the profile, defined by admins without a code change."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        CHOICE = "choice", "Single choice"
        MULTI_CHOICE = "multi_choice", "Multiple choice"
        BOOLEAN = "boolean", "Yes / no"

    key = models.SlugField(max_length=40, unique=True)
    # {"en": "Date of birth", "fr": "Date de naissance"}; "en" is always present.
    labels = models.JSONField(default=dict)
    help_texts = models.JSONField(default=dict, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # For numbers: the UCUM unit the value is in ("cm", "kg", "h").
    unit = models.CharField(max_length=32, blank=True)
    # Required at onboarding; optional otherwise.
    required = models.BooleanField(default=False)
    # Numbers: the value's bounds. Text: its length. Multiple choice: how many may be chosen.
    minimum = models.FloatField(null=True, blank=True)
    maximum = models.FloatField(null=True, blank=True)
    # Text: a regular expression the whole value matches (JSON Schema ``pattern``).
    pattern = models.CharField(max_length=200, blank=True)
    # Dates: whether a date after today is accepted (a birth date is not).
    allow_future = models.BooleanField(default=False)
    # Choices: [{"value": "vegan", "labels": {"en": "Vegan", "fr": "Végétalien"}}, ...]
    options = models.JSONField(default=list, blank=True)
    section = models.CharField(max_length=40, default="basics")
    order = models.PositiveSmallIntegerField(default=0)
    # May be shown on the community profile card (a city, a bio). Never a medical value.
    display_field = models.BooleanField(default=False)
    default_audience = models.CharField(
        max_length=16, choices=Audience.choices, default=Audience.CARE_TEAM
    )
    # Retired attributes are no longer asked for or accepted; their values are kept.
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("section", "order", "key")

    def __str__(self) -> str:
        return self.key

    def label(self, locale: str = "en") -> str:
        return localized(self.labels, locale) or self.key


class Profile(models.Model):
    """One per customer: the version a concurrent edit is checked against, and where
    onboarding stands."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Raised by every change of a value or an audience; an edit names the version it was
    # made from and is refused (409) if another edit came first.
    version = models.PositiveIntegerField(default=0)
    # Where onboarding stands; blank: it never started (the profile was made other than at
    # sign-up, e.g. an account from before onboarding existed, or the demo's).
    onboarding_step = models.CharField(max_length=20, default="", blank=True)
    onboarded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"profile of {self.customer_id}"


class ProfileValue(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    attribute = models.ForeignKey(Attribute, on_delete=models.PROTECT, related_name="values")
    value = models.JSONField(null=True)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "attribute"], name="one_value_per_field")
        ]

    def __str__(self) -> str:
        return f"profile value {self.pk}"


class ProfileChange(models.Model):
    """The history of a value or its audience: who, when, what it was before."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    attribute = models.ForeignKey(Attribute, on_delete=models.PROTECT, related_name="+")
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    old_audience = models.CharField(max_length=16, blank=True)
    new_audience = models.CharField(max_length=16, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-changed_at", "-id")
        indexes = [models.Index(fields=["customer", "-changed_at"])]

    def __str__(self) -> str:
        return f"profile change {self.pk}"


class MedicalTest(models.Model):
    """One entry of the catalogue: what is measured, in which canonical unit (UCUM), the
    units accepted on input (converted with pint), and the values that are plausible."""

    code = models.SlugField(max_length=40, unique=True)
    names = models.JSONField(default=dict)
    loinc = models.CharField(max_length=16, blank=True)
    category = models.CharField(max_length=40, default="body")
    # The canonical unit, a UCUM code ("kg", "mm[Hg]", "mmol/L", "%").
    unit = models.CharField(max_length=32)
    # UCUM codes accepted on input besides the canonical one (["[lb_av]", "g"]).
    input_units = models.JSONField(default=list, blank=True)
    # g/mol, for converting mass concentrations (mg/dL) to amount concentrations (mmol/L).
    molar_mass = models.FloatField(null=True, blank=True)
    decimals = models.PositiveSmallIntegerField(default=1)
    # Values outside are refused as impossible (in the canonical unit).
    plausible_min = models.FloatField()
    plausible_max = models.FloatField()
    # Computed from other results, never entered: "bmi".
    derived = models.CharField(max_length=16, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    default_audience = models.CharField(
        max_length=16,
        choices=[(a.value, a.label) for a in (Audience.ONLY_ME, Audience.CARE_TEAM)],
        default=Audience.CARE_TEAM,
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("order", "code")

    def __str__(self) -> str:
        return self.code

    def name(self, locale: str = "en") -> str:
        return localized(self.names, locale) or self.code


class ReferenceRange(models.Model):
    """The ranges that apply to a sex and an age band ([age_min, age_max) in years; null
    is open). The most specific row that matches a customer applies."""

    class Sex(models.TextChoices):
        ANY = "any", "Any"
        FEMALE = "female", "Female"
        MALE = "male", "Male"

    test = models.ForeignKey(MedicalTest, on_delete=models.CASCADE, related_name="ranges")
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.ANY)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    low = models.FloatField(null=True, blank=True)
    high = models.FloatField(null=True, blank=True)
    critical_low = models.FloatField(null=True, blank=True)
    critical_high = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ("test", "sex", "age_min")

    def __str__(self) -> str:
        return f"{self.test_id} {self.sex} {self.age_min}-{self.age_max}"


class TestAudience(models.Model):
    """The audience a customer chose for one test's results (absent: the test's default)."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    test = models.ForeignKey(MedicalTest, on_delete=models.CASCADE, related_name="+")
    audience = models.CharField(
        max_length=16,
        choices=[(a.value, a.label) for a in (Audience.ONLY_ME, Audience.CARE_TEAM)],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "test"], name="one_audience_per_test")
        ]

    def __str__(self) -> str:
        return f"test audience {self.pk}"


class Result(models.Model):
    """One measurement, when it was taken. A correction is a new row that ``replaces``
    the old one, which is kept with ``superseded_at`` set: never overwritten."""

    class Source(models.TextChoices):
        SELF = "self", "Self-reported"
        CARE_TEAM = "care_team", "Entered by a care-team professional"
        IMPORTED = "imported", "Imported"
        DERIVED = "derived", "Derived"

    class Interpretation(models.TextChoices):
        NONE = "", "No range applies"
        NORMAL = "normal", "Normal"
        LOW = "low", "Low"
        HIGH = "high", "High"
        CRITICAL_LOW = "critical_low", "Critically low"
        CRITICAL_HIGH = "critical_high", "Critically high"

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    test = models.ForeignKey(MedicalTest, on_delete=models.PROTECT, related_name="results")
    value = models.FloatField(help_text="in the test's canonical unit")
    entered_value = models.CharField(max_length=32)
    entered_unit = models.CharField(max_length=32)
    taken_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=16, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    interpretation = models.CharField(max_length=16, choices=Interpretation.choices, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    # Why this result corrects the one it replaces.
    reason = models.CharField(max_length=200, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-taken_at", "-id")
        constraints = [
            # A duplicate (the same test at the same moment) is refused, not stored twice.
            models.UniqueConstraint(
                fields=["customer", "test", "taken_at"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_result_per_moment",
            )
        ]
        indexes = [models.Index(fields=["customer", "test", "taken_at"])]

    def __str__(self) -> str:
        return f"result {self.pk}"


class Consent(models.Model):
    """Consent to one purpose, to one version of its text; withdrawn by setting
    ``withdrawn_at`` (the row stays: when it was given is part of the record)."""

    class Purpose(models.TextChoices):
        CARE = "care", "Care by my care team"
        ANALYTICS = "analytics", "Anonymised analytics"
        MARKETING = "marketing", "Newsletters and offers"

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    version = models.CharField(max_length=16)
    granted_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-granted_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_standing_consent_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} by {self.customer_id}"


class DataExport(models.Model):
    """A customer's download of all their data, built by a task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"export {self.pk} of {self.customer_id}"


def localized(texts: dict[str, Any] | None, locale: str) -> str:
    """The text for ``locale`` ("fr-CA", then "fr"), else English, else any."""
    if not texts:
        return ""
    for key in (locale, locale.split("-")[0], "en"):
        if texts.get(key):
            return str(texts[key])
    return str(next(iter(texts.values()), ""))
