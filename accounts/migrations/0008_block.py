"""``Block`` moves here from the community app: a block is between two people, and care
teams (advice) look at blocks as well as messaging does. Only the model's state moves;
the table stays ``community_block`` with its rows (``community`` 0009 drops the model
from that app's state)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_normalise_emails"),
        ("community", "0008_survey_snapshot_rows"),  # the table exists
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Block",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "blocked",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="blocks_received",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "blocker",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="blocks_made",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "community_block",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("blocker", "blocked"), name="block_once"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
