"""Mail about an event is written when it is sent, from the event as it is then: the reason
given for a cancellation is kept on the event for it. Notices about an event name it as
their source ("event:{id}"), so a renamed event's notices are retitled; the notices made
before get it here, from the event id they hold."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

EVENT_KINDS = (
    "event.promoted",
    "event.changed",
    "event.cancelled",
    "event.reminder",
    "event.message",
)


def name_the_event_of_each_notice(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    db = schema_editor.connection.alias
    Notification = apps.get_model("notifications", "Notification")
    notes = Notification.objects.using(db).filter(kind__in=EVENT_KINDS, source="")
    by_event: dict[int, list[int]] = {}
    for pk, data in notes.values_list("pk", "data").iterator(chunk_size=2000):
        event = data.get("event") if isinstance(data, dict) else None
        if isinstance(event, int):
            by_event.setdefault(event, []).append(pk)
    for event, ids in by_event.items():
        for start in range(0, len(ids), 1000):
            Notification.objects.using(db).filter(pk__in=ids[start : start + 1000]).update(
                source=f"event:{event}"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_room_interaction"),
        ("notifications", "0002_notification_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="cancel_reason",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.RunPython(name_the_event_of_each_notice, migrations.RunPython.noop),
    ]
