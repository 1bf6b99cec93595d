"""The access audit log stays append-only, with one exception: when a member is erased,
the labels that named them become the erased name (``AuditQuerySet.label_erased``).

In PostgreSQL the trigger of 0002 refused every UPDATE and DELETE. Now it allows an
UPDATE only when all of these hold, and refuses everything else (every DELETE too):

- the transaction set ``edietitian.erasing`` to ``on`` (``SET LOCAL``: it ends with the
  transaction);
- nothing but ``actor_label`` and ``subject_label`` changes;
- a changed ``actor_label`` becomes ``A deleted member``, and its actor is an erased
  account; a changed ``subject_label`` becomes ``A deleted member (#<subject id>)``, and
  its subject is an erased account.

The erased name is written here as it is in ``accounts.models.ERASED_NAME`` when this
migration was made; a new name needs a new migration.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FORWARD = """
CREATE OR REPLACE FUNCTION accounts_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('edietitian.erasing', true) = 'on'
       AND (to_jsonb(NEW) - 'actor_label' - 'subject_label')
           = (to_jsonb(OLD) - 'actor_label' - 'subject_label')
       AND (NEW.actor_label = OLD.actor_label
            OR (NEW.actor_label = 'A deleted member'
                AND EXISTS (SELECT 1 FROM accounts_user
                            WHERE id = NEW.actor_id AND erased_at IS NOT NULL)))
       AND (NEW.subject_label = OLD.subject_label
            OR (NEW.subject_label = 'A deleted member (#' || NEW.subject_id || ')'
                AND EXISTS (SELECT 1 FROM accounts_user
                            WHERE id = NEW.subject_id AND erased_at IS NOT NULL)))
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the access audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""

# As migration 0002 made it.
BACKWARD = """
CREATE OR REPLACE FUNCTION accounts_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_user_erased_at")]
    operations = [migrations.RunPython(forward, backward)]
