"""Stored addresses in the one form accounts are looked up by (``accounts.identity``):
NFKC, lower case, the domain in ASCII. An address the normalisation refuses, or whose
normal form another account holds already, is left as it is: no door finds it any more."""

from django.db import migrations


def normalise(apps, schema_editor):
    from accounts.identity import normalized_or_none  # when run, not when loaded

    User = apps.get_model("accounts", "User")
    for pk, email in User.objects.exclude(email=None).values_list("pk", "email").iterator():
        normal = normalized_or_none(email)
        if normal is None or normal == email:
            continue
        if not User.objects.filter(email=normal).exists():
            User.objects.filter(pk=pk).update(email=normal)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_user_region_changed_at"),
    ]

    operations = [
        migrations.RunPython(normalise, migrations.RunPython.noop),
    ]
