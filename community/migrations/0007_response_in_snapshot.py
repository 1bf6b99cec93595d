"""Responses remember whether the latest results snapshot counted them (the CSV has those
rows only). Snapshots made before respondents had to be verified and established may
count throwaway accounts: they are dropped, and made again under the new rule as
responses come in."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def drop_old_snapshots(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Survey = apps.get_model("community", "Survey")
    Survey.objects.using(schema_editor.connection.alias).filter(
        results_snapshot__isnull=False
    ).update(results_snapshot=None, snapshot_responses=0)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0006_flag_weight"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="in_snapshot",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(drop_old_snapshots, migrations.RunPython.noop),
    ]
