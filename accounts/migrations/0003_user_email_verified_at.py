"""Every account that exists before e-mail verification counts as verified: they were
made by admins, management commands, the demo data or Cognito (which verifies e-mail)."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models.functions import Now


def mark_existing_verified(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    User = apps.get_model("accounts", "User")
    User.objects.using(schema_editor.connection.alias).filter(
        email_verified_at__isnull=True
    ).update(email_verified_at=Now())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_audit_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_existing_verified, migrations.RunPython.noop),
    ]
