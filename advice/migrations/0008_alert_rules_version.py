"""A version of the alert rules, bumped after every commit that changes a rule: a process
that keeps the default rules reads it with what an evaluation needs (one statement) and
reads the rules again when it moved. A sequence (PostgreSQL): bumping it never waits on
another transaction. Other databases keep the rules for ALERT_DEFAULTS_SECONDS alone."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS advice_alertrule_version")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS advice_alertrule_version")


class Migration(migrations.Migration):
    dependencies = [("advice", "0007_alert_summaries")]

    operations = [migrations.RunPython(create, drop)]
