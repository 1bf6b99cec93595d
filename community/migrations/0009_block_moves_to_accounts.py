"""``Block`` now belongs to the accounts app (``accounts`` 0008 took its state on the same
table): it leaves this app's state, and the table and its rows stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0008_survey_snapshot_rows"),
        ("accounts", "0008_block"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Block")],
            database_operations=[],
        ),
    ]
