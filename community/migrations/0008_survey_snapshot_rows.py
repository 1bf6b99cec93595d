"""The author's CSV is made of rows fixed with each results snapshot (``SnapshotRow``),
instead of the current answers of the responses it counted: an answer changed after a
snapshot no longer shows in the CSV until the next one, and free text is linked, never
copied. Rows for the snapshots already made are built from the responses they counted,
as those are now (nothing older is kept)."""

import secrets

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def rows_for_current_snapshots(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    db = schema_editor.connection.alias
    Response = apps.get_model("community", "Response")
    SnapshotRow = apps.get_model("community", "SnapshotRow")
    Link = SnapshotRow.texts.through
    counted = (
        Response.objects.using(db)
        .filter(in_snapshot=True, survey__results_snapshot__isnull=False)
        .prefetch_related("answers__question")
    )
    for response in counted.iterator(chunk_size=500):
        cells: dict[str, object] = {}
        texts = []
        for answer in response.answers.all():
            kind = answer.question.kind
            if kind == "text":
                if answer.text:
                    cells[str(answer.question_id)] = True
                    texts.append(answer.pk)
            elif kind == "scale":
                cells[str(answer.question_id)] = answer.number
            else:
                cells[str(answer.question_id)] = answer.choices
        row = SnapshotRow.objects.using(db).create(
            survey_id=response.survey_id,
            response_id=response.pk,
            position=secrets.randbits(62),
            cells=cells,
        )
        Link.objects.using(db).bulk_create(
            [Link(snapshotrow_id=row.pk, answer_id=pk) for pk in texts]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0007_response_in_snapshot"),
    ]

    operations = [
        migrations.CreateModel(
            name="SnapshotRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.BigIntegerField()),
                ("cells", models.JSONField(default=dict)),
                (
                    "response",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="snapshot_row",
                        to="community.response",
                    ),
                ),
                (
                    "survey",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="snapshot_rows",
                        to="community.survey",
                    ),
                ),
                (
                    "texts",
                    models.ManyToManyField(blank=True, related_name="+", to="community.answer"),
                ),
            ],
            options={
                "ordering": ("position", "id"),
            },
        ),
        migrations.RunPython(rows_for_current_snapshots, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="response",
            name="in_snapshot",
        ),
    ]
