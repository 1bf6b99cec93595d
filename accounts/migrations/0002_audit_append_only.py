"""In PostgreSQL the database itself refuses UPDATE and DELETE on the access audit log."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FORWARD = """
CREATE OR REPLACE FUNCTION accounts_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_audit_append_only
    BEFORE UPDATE OR DELETE ON accounts_accessauditentry
    FOR EACH ROW EXECUTE FUNCTION accounts_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accounts_audit_append_only ON accounts_accessauditentry;
DROP FUNCTION IF EXISTS accounts_audit_append_only();
"""


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
