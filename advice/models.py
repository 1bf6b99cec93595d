"""Care teams, care plans, goals, check-ins, alert rules, alerts and notes.

A model about a customer's care names itself by its ids only (``goal 12``): ``__str__``
shows in admin pages (the objects a customer's deletion would take with it, among
others), and a goal's title, a check-in's note or a plan's title is health information.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CareTeamMember(models.Model):
    """A dietitian or medical provider in a customer's care team."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_team"
    )
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_customers"
    )
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "professional"], name="care_team_once")
        ]

    def __str__(self) -> str:
        return f"care team member {self.pk}"


class CareRequest(models.Model):
    """A care team forms only when the customer and the professional have both agreed.
    Three kinds: a customer asks a dietitian to take them on (``request``: the customer
    agreed by asking, the dietitian accepts); a dietitian offers to take a customer into
    their care (``offer``: the dietitian agreed by offering, the customer accepts); a
    dietitian hands a customer in their care over to another (``handover``, with
    ``handed_over_by``: the other dietitian and the customer each accept, in either
    order; the handing dietitian leaves the care team when both have). Either side still
    to agree may decline; a side that agreed may withdraw."""

    class Kind(models.TextChoices):
        REQUEST = "request", "The customer asks"
        OFFER = "offer", "The dietitian offers"
        HANDOVER = "handover", "A dietitian hands the customer over"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REQUEST)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_requests"
    )
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_requests_received"
    )
    # The dietitian handing the customer over, who leaves the care team on acceptance.
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_handovers",
    )
    # When each side agreed (null: still to agree); the team forms when both have.
    customer_agreed_at = models.DateTimeField(null=True, blank=True)
    professional_agreed_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why it was declined (shown to the others concerned).
    reply = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "professional"],
                condition=models.Q(status="pending"),
                name="one_pending_care_request",
            ),
            # Accepted means both sides agreed.
            models.CheckConstraint(
                condition=~models.Q(status="accepted")
                | models.Q(customer_agreed_at__isnull=False, professional_agreed_at__isnull=False),
                name="care_request_accepted_by_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} / {self.professional_id}: {self.status}"

    @property
    def waiting_for(self) -> list[str]:
        """The sides still to agree (``customer``, ``professional``) while pending."""
        if self.status != self.Status.PENDING:
            return []
        return [
            side
            for side, agreed in (
                ("customer", self.customer_agreed_at),
                ("professional", self.professional_agreed_at),
            )
            if agreed is None
        ]


# --- care plans ------------------------------------------------------------------------


class PlanTemplate(models.Model):
    """A dietitian's starting point for plans: their own, or shared with every dietitian."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="plan_templates",
    )
    shared = models.BooleanField(default=False)
    title = models.CharField(max_length=200)
    # Markdown as written; the sanitized HTML made from it when it was saved.
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # Lists of short texts, and goals to propose (the shapes of CarePlanVersion's).
    recommendations = models.JSONField(default=list, blank=True)
    tasks = models.JSONField(default=list, blank=True)
    goals = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("title", "id")

    def __str__(self) -> str:
        return self.title


class PlanBatch(models.Model):
    """One plan sent to a group: each customer got their own copy (``CarePlan.batch``)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the group was ("class:12", "customers") and how it was named when sent.
    group = models.CharField(max_length=40)
    label = models.CharField(max_length=200, blank=True)
    template = models.ForeignKey(PlanTemplate, null=True, on_delete=models.SET_NULL)
    sent = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.group} sent to {self.sent}"


class CarePlan(models.Model):
    """A dietitian's advice for one customer: versions, the latest published one in force."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_plans"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="care_plans_written",
    )
    template = models.ForeignKey(PlanTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    batch = models.ForeignKey(PlanBatch, null=True, blank=True, on_delete=models.SET_NULL)
    # The number of the version in force (0: never published).
    published_version = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-updated_at", "-id")
        indexes = [models.Index(fields=["customer", "-updated_at"])]

    def __str__(self) -> str:
        return f"plan {self.pk}"


class CarePlanVersion(models.Model):
    """One version of a plan. A draft (``published_at`` null) is edited in place; a
    published version never changes: a change is a new version."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # ["Eat two portions of vegetables at lunch", ...]
    recommendations = models.JSONField(default=list, blank=True)
    # [{"text": "Book a blood test", "done_at": null}, ...]
    tasks = models.JSONField(default=list, blank=True)
    # [{"title": "...", "url": "https://..."}, ...]
    attachments = models.JSONField(default=list, blank=True)
    # Goals it proposes when published: [{"kind": "habit", "habit": "Water", ...}, ...]
    # (``advice.plan_goals``).
    goals = models.JSONField(default=list, blank=True)
    # Why it changed (shown beside the comparison with the last version).
    change_note = models.CharField(max_length=500, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("plan", "number")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_once"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(published_at__isnull=True),
                name="one_draft_per_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"plan {self.plan_id} version {self.number}"


class CarePlanTaskTick(models.Model):
    """A task of a published version the customer ticked done, and when. Kept apart from
    the version, which never changes; unticking deletes the row. Publishing a new version
    copies the ticks of tasks whose text it keeps exactly (``advice.plan_ticks``)."""

    version = models.ForeignKey(CarePlanVersion, on_delete=models.CASCADE, related_name="ticks")
    # The task's place in ``version.tasks`` (0 first).
    index = models.PositiveSmallIntegerField()
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("version", "index")
        constraints = [
            models.UniqueConstraint(fields=["version", "index"], name="plan_task_ticked_once"),
        ]

    def __str__(self) -> str:
        return f"plan version {self.version_id} task {self.index}"


# --- goals and check-ins ---------------------------------------------------------------


class Goal(models.Model):
    """Something measurable for a customer to reach: a target on a medical test, or a habit
    with a cadence. Status and progress are computed (``advice.goals``), never typed."""

    class Kind(models.TextChoices):
        TARGET = "target", "A target on a test"
        HABIT = "habit", "A habit"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        ACHIEVED = "achieved", "Achieved"
        MISSED = "missed", "Missed"
        DROPPED = "dropped", "Dropped"

    class Comparison(models.TextChoices):
        LT = "lt", "<"
        LTE = "lte", "<="
        GT = "gt", ">"
        GTE = "gte", ">="

    class Period(models.TextChoices):
        DAY = "day", "a day"
        WEEK = "week", "a week"

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals"
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    plan = models.ForeignKey(
        CarePlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="goals"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=200)
    # A target: the test, how the latest value compares with ``target`` (canonical unit).
    test = models.ForeignKey(
        "profiles.MedicalTest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comparison = models.CharField(max_length=4, choices=Comparison.choices, blank=True)
    target = models.FloatField(null=True, blank=True)
    # The value when the goal started (progress runs from it to the target).
    baseline = models.FloatField(null=True, blank=True)
    # A habit: so many times a day or a week, reminded at a local time.
    habit = models.CharField(max_length=120, blank=True)
    times = models.PositiveSmallIntegerField(null=True, blank=True)
    period = models.CharField(max_length=4, choices=Period.choices, blank=True)
    remind_at = models.TimeField(null=True, blank=True)
    starts_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    # Agreed by the customer (a goal a professional proposes is "proposed" until then).
    accepted_at = models.DateTimeField(null=True, blank=True)
    dropped_at = models.DateTimeField(null=True, blank=True)
    # Who dropped it (the customer or a professional of their care team) and why.
    dropped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drop_reason = models.CharField(max_length=500, blank=True)
    # Computed, stored for listing and filtering: see advice.goals.
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PROPOSED)
    progress = models.FloatField(default=0.0)
    # Computed too: behind the pace that reaches the target by the due date (or the
    # habit's cadence this period), and habit check-ins missed over the last 7 days.
    at_risk = models.BooleanField(default=False)
    missed = models.PositiveSmallIntegerField(default=0)
    achieved_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["customer", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="habit")
                | models.Q(test__isnull=False, target__isnull=False),
                name="target_goal_has_test",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="target") | models.Q(times__isnull=False, times__gte=1),
                name="habit_goal_has_cadence",
            ),
        ]

    def __str__(self) -> str:
        return f"goal {self.pk}"


class CheckIn(models.Model):
    """A quick log by the customer: a habit done, a meal, mood, symptoms, a measurement
    (stored as a result of the health record, ``result``)."""

    class Kind(models.TextChoices):
        HABIT = "habit", "A habit done"
        MEAL = "meal", "A meal"
        MOOD = "mood", "Mood"
        SYMPTOM = "symptom", "Symptoms"
        MEASUREMENT = "measurement", "A measurement"

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_ins"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.CASCADE, related_name="check_ins"
    )
    result = models.OneToOneField(
        "profiles.Result", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Mood 1 (low) to 5 (great).
    mood = models.PositiveSmallIntegerField(null=True, blank=True)
    symptoms = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # Who sees it besides the customer: "private" or "care_team" (profiles.Audience).
    audience = models.CharField(max_length=16, default="care_team")
    at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    # The app's id for a retried send: stored once.
    client_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [
            models.Index(fields=["customer", "-at"]),
            models.Index(fields=["goal", "at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "client_id"],
                condition=~models.Q(client_id=""),
                name="check_in_once",
            ),
        ]

    def __str__(self) -> str:
        return f"check-in {self.pk}"


class HabitReminder(models.Model):
    """One reminder per habit goal per local day: sent once, across DST and restarts."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="reminders")
    local_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["goal", "local_date"], name="habit_reminder_once")
        ]

    def __str__(self) -> str:
        return f"reminder of goal {self.goal_id} on {self.local_date}"


# --- alert rules and alerts ------------------------------------------------------------


class AlertRule(models.Model):
    """What to watch. A default (``customer`` null) applies to every customer whose age
    band and sex it matches; a professional's override for one customer replaces the
    default it names (``overrides``) for that customer."""

    class Kind(models.TextChoices):
        ABOVE = "above", "Above a threshold"
        BELOW = "below", "Below a threshold"
        MEAN_ABOVE = "mean_above", "Mean over N days above"
        MEAN_BELOW = "mean_below", "Mean over N days below"
        DROP = "drop", "Falls by more than a share in N days"
        RISE = "rise", "Rises by more than a share in N days"
        MISSING = "missing", "Nothing logged for N days"

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    class Sex(models.TextChoices):
        ANY = "any", "Any"
        FEMALE = "female", "Female"
        MALE = "male", "Male"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # What it watches: a test's results, or (test null) the customer's mood check-ins.
    test = models.ForeignKey(
        "profiles.MedicalTest", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A value in the test's canonical unit (above/below/mean), or a percentage (drop/rise).
    threshold = models.FloatField(null=True, blank=True)
    # Mean, change and missing look back over this many days.
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    # Scope of a default.
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.ANY)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    # An override: for this customer only, in place of ``overrides``.
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_rules",
    )
    overrides = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="overridden_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "overrides"],
                condition=models.Q(customer__isnull=False, overrides__isnull=False),
                name="one_override_per_customer",
            ),
        ]

    def __str__(self) -> str:
        # A default's name is the admins' words; a rule for one customer may name their
        # health ("HbA1c over 8 after the new dose"), and shows in admin pages that list
        # what a customer's deletion takes with it.
        return self.name if self.customer_id is None else f"alert rule {self.pk}"


class Alert(models.Model):
    """A rule that fired for a customer. At most one not yet resolved per rule and customer:
    a rule firing again while one is open updates it (``last_seen_at``, ``count``)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    # Restricted: a rule with alerts is switched off, not deleted (its alerts, their
    # acknowledgements and notes are the customer's history); erasing the customer still
    # deletes both (``advice.alert_data``).
    rule = models.ForeignKey(AlertRule, on_delete=models.RESTRICT, related_name="alerts")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    # What fired it: the value (canonical unit, or mood, or days without data), and the
    # results it was computed from ({"results": [ids], "mean": ..., "from": ..., ...}).
    value = models.FloatField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=1)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ("-raised_at", "-id")
        indexes = [models.Index(fields=["customer", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "customer"],
                condition=~models.Q(status="resolved"),
                name="one_open_alert_per_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk}"


class CareNote(models.Model):
    """A professional's note on a customer, read by the customer's care team (and in the
    customer's own download)."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    body_html = models.TextField()
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"note {self.pk}"


class AlertSummary(models.Model):
    """The daily e-mail summary of open alerts a professional was sent on one local date:
    at most one a day, across restarts and however often the job runs."""

    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    local_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["professional", "local_date"], name="alert_summary_once"
            )
        ]

    def __str__(self) -> str:
        return f"alert summary for {self.professional_id} on {self.local_date}"
