"""The starter catalogue of medical tests: body measurements, blood pressure and common
blood tests, each with its LOINC code, its canonical UCUM unit and the units accepted on
input, plausibility bounds (in the canonical unit) that refuse impossible values, and
reference ranges by sex and age band.

The ranges are general adult references for coaching (WHO, ACC/AHA, IDF, NCEP ATP III,
Diabetes Canada, the IOM), not a laboratory's own: a lab report's range is the one that
counts for that report. A range row holds for ``[age_min, age_max)`` years (a row with an age band
wins over one without, then a row for one sex over one for any); a value is
normal from ``low`` (included) up to ``high`` (excluded), critically low below
``critical_low`` and critically high from ``critical_high`` (profiles.catalogue).
Admins change all of it later; this migration only seeds it.
"""

from django.db import migrations

# code, en, fr, loinc, category, unit, input units, molar mass (g/mol), decimals,
# plausible min, max (canonical unit), derived
TESTS = [
    ("weight", "Weight", "Poids", "29463-7", "body", "kg", ["[lb_av]", "g"], None, 1, 2, 400, ""),
    ("height", "Height", "Taille", "8302-2", "body", "cm", ["[in_i]", "m"], None, 1, 40, 250, ""),
    ("bmi", "Body mass index (BMI)", "Indice de masse corporelle (IMC)", "39156-5", "body",
     "kg/m2", [], None, 1, 5, 200, "bmi"),
    ("waist", "Waist circumference", "Tour de taille", "8280-0", "body", "cm", ["[in_i]"],
     None, 1, 30, 300, ""),
    ("systolic", "Blood pressure, systolic", "Pression artérielle systolique", "8480-6",
     "blood_pressure", "mm[Hg]", [], None, 0, 40, 300, ""),
    ("diastolic", "Blood pressure, diastolic", "Pression artérielle diastolique", "8462-4",
     "blood_pressure", "mm[Hg]", [], None, 0, 20, 200, ""),
    ("hba1c", "HbA1c (glycated haemoglobin)", "HbA1c (hémoglobine glyquée)", "4548-4", "blood",
     "%", ["mmol/mol"], None, 1, 2, 20, ""),
    ("glucose_fasting", "Fasting glucose", "Glycémie à jeun", "1558-6", "blood", "mmol/L",
     ["mg/dL"], 180.156, 1, 0.5, 60, ""),
    ("cholesterol_total", "Total cholesterol", "Cholestérol total", "2093-3", "blood", "mmol/L",
     ["mg/dL"], 386.65, 2, 0.5, 30, ""),
    ("ldl", "LDL cholesterol", "Cholestérol LDL", "13457-7", "blood", "mmol/L", ["mg/dL"],
     386.65, 2, 0.1, 25, ""),
    ("hdl", "HDL cholesterol", "Cholestérol HDL", "2085-9", "blood", "mmol/L", ["mg/dL"],
     386.65, 2, 0.1, 10, ""),
    ("triglycerides", "Triglycerides", "Triglycérides", "2571-8", "blood", "mmol/L", ["mg/dL"],
     885.7, 2, 0.1, 100, ""),
    ("vitamin_d", "Vitamin D (25-OH)", "Vitamine D (25-OH)", "62292-8", "blood", "nmol/L",
     ["ng/mL"], 400.64, 0, 2, 1000, ""),
    ("ferritin", "Ferritin", "Ferritine", "2276-4", "blood", "ug/L", ["ng/mL"], None, 0, 0.5,
     100000, ""),
]  # fmt: skip

# code, sex, age_min, age_max, low, high, critical_low, critical_high
RANGES = [
    # BMI (WHO adult bands); 65 and over, 22 to 27 (older adults' nutrition screening);
    # under 18 no band (children are read on growth percentiles, not these).
    ("bmi", "any", None, None, 18.5, 25, None, None),
    ("bmi", "any", 65, None, 22, 27, None, None),
    ("bmi", "any", 0, 18, None, None, None, None),
    # Waist: the abdominal obesity thresholds (NCEP ATP III), by sex; not for children.
    ("waist", "female", None, None, None, 88, None, None),
    ("waist", "male", None, None, None, 102, None, None),
    ("waist", "any", 0, 18, None, None, None, None),
    # Blood pressure (ACC/AHA 2017): high from 130/80, a crisis from 180 or 120; low
    # under 90/60; children are read on percentiles.
    ("systolic", "any", None, None, 90, 130, 70, 180),
    ("systolic", "any", 0, 18, None, None, None, None),
    ("diastolic", "any", None, None, 60, 80, 40, 120),
    ("diastolic", "any", 0, 18, None, None, None, None),
    # HbA1c: prediabetes from 5.7 %, diabetes from 6.5 % (a coach reads "high").
    ("hba1c", "any", None, None, None, 5.7, None, None),
    # Fasting glucose: 3.9 to 5.6 mmol/L; critical under 3.0 (hypoglycaemia) or from 25.
    ("glucose_fasting", "any", None, None, 3.9, 5.6, 3.0, 25),
    # Lipids (NCEP ATP III, in mmol/L); HDL low differs by sex; triglycerides from
    # 11.3 mmol/L (1,000 mg/dL) risk pancreatitis.
    ("cholesterol_total", "any", None, None, None, 5.2, None, None),
    ("ldl", "any", None, None, None, 3.4, None, None),
    ("hdl", "female", None, None, 1.3, None, None, None),
    ("hdl", "male", None, None, 1.0, None, None, None),
    ("triglycerides", "any", None, None, None, 1.7, None, 11.3),
    # Vitamin D 25-OH (IOM): sufficient from 50 nmol/L, deficient under 25, a risk of
    # harm from 125 and toxic from 375.
    ("vitamin_d", "any", None, None, 50, 125, 25, 375),
    # Ferritin, by sex (µg/L); from 1,000 an iron overload to look into.
    ("ferritin", "female", None, None, 15, 150, None, 1000),
    ("ferritin", "male", None, None, 30, 400, None, 1000),
]


def add_catalogue(apps, schema_editor):
    MedicalTest = apps.get_model("profiles", "MedicalTest")
    ReferenceRange = apps.get_model("profiles", "ReferenceRange")
    tests = {}
    for order, row in enumerate(TESTS):
        code, en, fr, loinc, category, unit, inputs, molar_mass, decimals, lo, hi, derived = row
        tests[code], _ = MedicalTest.objects.update_or_create(
            code=code,
            defaults={
                "names": {"en": en, "fr": fr},
                "loinc": loinc,
                "category": category,
                "unit": unit,
                "input_units": inputs,
                "molar_mass": molar_mass,
                "decimals": decimals,
                "plausible_min": lo,
                "plausible_max": hi,
                "derived": derived,
                "order": (order + 1) * 10,
                "default_audience": "care_team",
            },
        )
    ReferenceRange.objects.filter(test__in=tests.values()).delete()
    ReferenceRange.objects.bulk_create(
        ReferenceRange(
            test=tests[code],
            sex=sex,
            age_min=age_min,
            age_max=age_max,
            low=low,
            high=high,
            critical_low=critical_low,
            critical_high=critical_high,
        )
        for code, sex, age_min, age_max, low, high, critical_low, critical_high in RANGES
    )


def remove_catalogue(apps, schema_editor):
    # Only while no result was stored: results keep their test (on_delete PROTECT).
    MedicalTest = apps.get_model("profiles", "MedicalTest")
    MedicalTest.objects.filter(code__in=[row[0] for row in TESTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("profiles", "0002_starter_attributes")]
    operations = [migrations.RunPython(add_catalogue, remove_catalogue)]
