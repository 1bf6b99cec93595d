"""Care requests get a kind (a customer's request, a dietitian's offer, a handover) and
record when each side agreed: a care team forms only when the customer and the
professional both have.

Rows made before: a request with ``handed_over_by`` is a handover, the others are
requests the customer agreed to by asking. A pending handover waits for the customer's
agreement too (it was never asked); an accepted row was agreed to by both when it was
accepted."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce


def kinds_and_agreement(apps, schema_editor):
    """One UPDATE, each row written once (a row written twice in this transaction would
    leave trigger events pending, and the constraint below could not be added)."""
    CareRequest = apps.get_model("advice", "CareRequest")
    handover = Q(handed_over_by__isnull=False)
    accepted = Q(status="accepted")
    when_accepted = Coalesce(F("decided_at"), F("created_at"))
    CareRequest.objects.update(
        kind=Case(When(handover, then=Value("handover")), default=Value("request")),
        customer_agreed_at=Case(
            When(~handover, then=F("created_at")),
            When(accepted, then=when_accepted),
            default=None,
        ),
        professional_agreed_at=Case(When(accepted, then=when_accepted), default=None),
        decided_at=Case(When(accepted, then=when_accepted), default=F("decided_at")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("advice", "0002_carerequest"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="carerequest",
            name="customer_agreed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="carerequest",
            name="kind",
            field=models.CharField(
                choices=[
                    ("request", "The customer asks"),
                    ("offer", "The dietitian offers"),
                    ("handover", "A dietitian hands the customer over"),
                ],
                default="request",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="carerequest",
            name="professional_agreed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="carerequest",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting for an answer"),
                    ("accepted", "Accepted"),
                    ("declined", "Declined"),
                    ("withdrawn", "Withdrawn"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.RunPython(kinds_and_agreement, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="carerequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "accepted"), _negated=True),
                    models.Q(
                        ("customer_agreed_at__isnull", False),
                        ("professional_agreed_at__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="care_request_accepted_by_both",
            ),
        ),
    ]
