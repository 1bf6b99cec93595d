from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("profiles", "0002_starter_attributes")]
    operations: list[migrations.operations.base.Operation] = []
