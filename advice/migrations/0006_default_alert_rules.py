"""A few default alert rules, for every customer (or an age band), that admins change or
switch off later; thresholds in each test's canonical unit (the catalogue of
profiles.0003), changes in percent. References as the catalogue's: ADA / Diabetes Canada
for HbA1c and fasting glucose, ACC/AHA 2017 for blood pressure; the weight-loss rules
follow nutrition screening's "unplanned loss" (MUST, ESPEN)."""

from django.db import migrations

# name, kind, test code (None: mood), threshold, days, severity, age_min
RULES = [
    ("Weight down more than 2% in a week", "drop", "weight", 2, 7, "warning", None),
    ("Weight down more than 5% in a month (65 and over)", "drop", "weight", 5, 30, "critical", 65),
    ("No weigh-in for 14 days", "missing", "weight", None, 14, "info", None),
    ("HbA1c in the diabetes range", "above", "hba1c", 6.5, None, "warning", None),
    ("Fasting glucose in the diabetes range", "above", "glucose_fasting", 7.0, None, "warning",
     None),
    ("Fasting glucose critically low", "below", "glucose_fasting", 3.0, None, "critical", None),
    ("Blood pressure crisis (systolic)", "above", "systolic", 180, None, "critical", None),
    ("Systolic blood pressure high over two weeks", "mean_above", "systolic", 140, 14, "warning",
     None),
    ("Low mood over a week", "mean_below", None, 2.5, 7, "warning", None),
]  # fmt: skip


def add_default_rules(apps, schema_editor):
    AlertRule = apps.get_model("advice", "AlertRule")
    MedicalTest = apps.get_model("profiles", "MedicalTest")
    tests = {t.code: t for t in MedicalTest.objects.all()}
    for name, kind, code, threshold, days, severity, age_min in RULES:
        if code is not None and code not in tests:
            continue
        AlertRule.objects.update_or_create(
            name=name,
            customer=None,
            defaults={
                "kind": kind,
                "test": tests.get(code) if code else None,
                "threshold": threshold,
                "days": days,
                "severity": severity,
                "age_min": age_min,
            },
        )


def remove_default_rules(apps, schema_editor):
    AlertRule = apps.get_model("advice", "AlertRule")
    AlertRule.objects.filter(customer=None, name__in=[row[0] for row in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("advice", "0005_goals_drop_reason"),
        ("profiles", "0003_starter_catalogue"),
    ]

    operations = [migrations.RunPython(add_default_rules, remove_default_rules)]
