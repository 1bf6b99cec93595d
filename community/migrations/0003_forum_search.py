"""Full-text indexes for forum search, on PostgreSQL only (embedded mode matches text)."""

from django.db import migrations

INDEXES = [
    ("community_post_search", "community_post", "body"),
    ("community_thread_search", "community_thread", "title"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (to_tsvector('simple', {column}))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("community", "0002_forum")]
    operations = [migrations.RunPython(create, drop)]
