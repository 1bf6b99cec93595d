"""Care requests get a kind (a customer's request, a dietitian's offer, a handover) and
record when each side agreed: a care team forms only when the customer and the
professional both have.

Rows made before: a request with ``handed_over_by`` is a handover, the others are
requests the customer agreed to by asking. A pending handover waits for the customer's
agreement too (it was never asked); an accepted row was agreed to by both when it was
accepted."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def kinds_and_agreement(apps, schema_editor):
    CareRequest = apps.get_model("advice", "CareRequest")
    CareRequest.objects.filter(handed_over_by__isnull=False).update(kind="handover")
    CareRequest.objects.filter(handed_over_by__isnull=True).update(
        kind="request", customer_agreed_at=F("created_at")
    )
    accepted = CareRequest.objects.filter(status="accepted")
    accepted.filter(decided_at__isnull=True).update(decided_at=F("created_at"))
    accepted.update(professional_agreed_at=F("decided_at"))
    accepted.filter(customer_agreed_at__isnull=True).update(customer_agreed_at=F("decided_at"))


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
