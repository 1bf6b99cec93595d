"""The starter profile attributes, in English and French. Admins change, add and retire
attributes afterwards (``/api/profile/attributes``, the Django admin); this only gives a
new installation a profile worth filling in. Going back removes them with their values.

The data is written out here, not imported from the app: a migration stays what it was
when it ran.
"""

from typing import Any

from django.db import migrations


def _texts(en: str, fr: str) -> dict[str, str]:
    return {"en": en, "fr": fr}


def _options(*items: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"value": value, "labels": _texts(en, fr)} for value, en, fr in items]


STARTER: list[dict[str, Any]] = [
    # --- basics ---------------------------------------------------------------------
    {
        "key": "birth_date",
        "labels": _texts("Date of birth", "Date de naissance"),
        "help_texts": _texts(
            "Lab reference ranges depend on your age.",
            "Les valeurs de référence des analyses dépendent de votre âge.",
        ),
        "kind": "date",
        "required": True,
        "allow_future": False,
        "section": "basics",
        "order": 10,
        "default_audience": "care_team",
    },
    {
        "key": "sex",
        "labels": _texts("Sex", "Sexe"),
        "help_texts": _texts(
            "Sex at birth: some lab reference ranges differ by it.",
            "Sexe à la naissance : certaines valeurs de référence en dépendent.",
        ),
        "kind": "choice",
        "required": True,
        "options": _options(
            ("female", "Female", "Féminin"),
            ("male", "Male", "Masculin"),
            ("intersex", "Intersex", "Intersexe"),
            ("prefer_not_to_say", "Prefer not to say", "Je préfère ne pas répondre"),
        ),
        "section": "basics",
        "order": 20,
        "default_audience": "care_team",
    },
    # --- health ---------------------------------------------------------------------
    {
        "key": "health_goals",
        "labels": _texts("Health goals", "Objectifs de santé"),
        "help_texts": _texts(
            "What you would like your care team to help you with. Choose one or more.",
            "Ce pour quoi vous aimeriez l'aide de votre équipe de soins. Un choix ou plus.",
        ),
        "kind": "multi_choice",
        "required": True,
        "minimum": 1,
        "options": _options(
            ("lose_weight", "Lose weight", "Perdre du poids"),
            ("gain_weight", "Gain weight", "Prendre du poids"),
            ("manage_blood_sugar", "Manage my blood sugar", "Gérer ma glycémie"),
            ("lower_blood_pressure", "Lower my blood pressure", "Baisser ma tension artérielle"),
            ("lower_cholesterol", "Lower my cholesterol", "Baisser mon cholestérol"),
            ("eat_healthier", "Eat healthier", "Manger plus sainement"),
            ("sports_performance", "Sports performance", "Performance sportive"),
        ),
        "section": "health",
        "order": 10,
        "default_audience": "care_team",
    },
    {
        "key": "conditions",
        "labels": _texts("Health conditions", "Problèmes de santé"),
        "help_texts": _texts(
            "Conditions a doctor has told you about.",
            "Les problèmes de santé dont un médecin vous a parlé.",
        ),
        "kind": "multi_choice",
        "options": _options(
            ("type_2_diabetes", "Type 2 diabetes", "Diabète de type 2"),
            ("type_1_diabetes", "Type 1 diabetes", "Diabète de type 1"),
            ("prediabetes", "Prediabetes", "Prédiabète"),
            ("hypertension", "High blood pressure", "Hypertension artérielle"),
            ("high_cholesterol", "High cholesterol", "Cholestérol élevé"),
            ("heart_disease", "Heart disease", "Maladie cardiaque"),
            ("celiac_disease", "Celiac disease", "Maladie cœliaque"),
            ("ibs", "Irritable bowel syndrome (IBS)", "Syndrome de l'intestin irritable (SII)"),
            (
                "ibd",
                "Crohn's disease or ulcerative colitis",
                "Maladie de Crohn ou colite ulcéreuse",
            ),
            ("kidney_disease", "Kidney disease", "Maladie rénale"),
            ("pcos", "Polycystic ovary syndrome (PCOS)", "Syndrome des ovaires polykystiques"),
            ("thyroid", "Thyroid condition", "Trouble de la thyroïde"),
            ("pregnancy", "Pregnancy", "Grossesse"),
            ("breastfeeding", "Breastfeeding", "Allaitement"),
        ),
        "section": "health",
        "order": 20,
        "default_audience": "care_team",
    },
    {
        "key": "allergies",
        "labels": _texts("Food allergies", "Allergies alimentaires"),
        "kind": "multi_choice",
        "options": _options(
            ("peanuts", "Peanuts", "Arachides"),
            ("tree_nuts", "Tree nuts", "Noix"),
            ("milk", "Milk", "Lait"),
            ("eggs", "Eggs", "Œufs"),
            ("fish", "Fish", "Poisson"),
            ("shellfish", "Crustaceans and molluscs", "Crustacés et mollusques"),
            ("soy", "Soy", "Soja"),
            ("wheat", "Wheat and gluten", "Blé et gluten"),
            ("sesame", "Sesame", "Sésame"),
            ("mustard", "Mustard", "Moutarde"),
            ("sulphites", "Sulphites", "Sulfites"),
        ),
        "section": "health",
        "order": 30,
        "default_audience": "care_team",
    },
    {
        "key": "medications",
        "labels": _texts("Medications and supplements", "Médicaments et suppléments"),
        "help_texts": _texts(
            "What you take regularly, with the dose if you know it.",
            "Ce que vous prenez régulièrement, avec la dose si vous la connaissez.",
        ),
        "kind": "text",
        "maximum": 500,
        "section": "health",
        "order": 40,
        "default_audience": "care_team",
    },
    # --- lifestyle ------------------------------------------------------------------
    {
        "key": "diet",
        "labels": _texts("Diet", "Alimentation"),
        "kind": "choice",
        "options": _options(
            ("omnivore", "I eat everything", "Je mange de tout"),
            ("vegetarian", "Vegetarian", "Végétarienne"),
            ("vegan", "Vegan", "Végétalienne"),
            ("pescatarian", "Pescatarian", "Pescétarienne"),
            ("gluten_free", "Gluten-free", "Sans gluten"),
            ("low_carb", "Low carbohydrate", "Faible en glucides"),
            ("halal", "Halal", "Halal"),
            ("kosher", "Kosher", "Casher"),
            ("other", "Something else", "Autre"),
        ),
        "section": "lifestyle",
        "order": 10,
        "default_audience": "care_team",
    },
    {
        "key": "activity_level",
        "labels": _texts("Physical activity", "Activité physique"),
        "kind": "choice",
        "options": _options(
            ("sedentary", "Mostly sitting", "Surtout assis"),
            ("light", "Light: walks, some standing", "Légère : marche, un peu debout"),
            (
                "moderate",
                "Moderate: exercise 2 or 3 times a week",
                "Modérée : sport 2 ou 3 fois par semaine",
            ),
            ("active", "Active: exercise most days", "Active : sport presque tous les jours"),
            (
                "very_active",
                "Very active: hard training or physical work",
                "Très active : entraînement intense ou travail physique",
            ),
        ),
        "section": "lifestyle",
        "order": 20,
        "default_audience": "care_team",
    },
    {
        "key": "sleep_hours",
        "labels": _texts("Sleep on a usual night", "Sommeil par nuit habituelle"),
        "help_texts": _texts("In hours, for example 7.5.", "En heures, par exemple 7,5."),
        "kind": "number",
        "unit": "h",
        "minimum": 0,
        "maximum": 24,
        "section": "lifestyle",
        "order": 30,
        "default_audience": "care_team",
    },
    # --- about me (may be shown on the community profile) ----------------------------
    {
        "key": "city",
        "labels": _texts("City", "Ville"),
        "help_texts": _texts(
            "Others see it on your community profile only if you choose so.",
            "Les autres la voient sur votre profil communautaire seulement si vous le choisissez.",
        ),
        "kind": "text",
        "maximum": 80,
        "display_field": True,
        "section": "about",
        "order": 10,
        "default_audience": "only_me",
    },
    {
        "key": "bio",
        "labels": _texts("About me", "À propos de moi"),
        "help_texts": _texts(
            "A few words for your community profile, if you choose to show it.",
            "Quelques mots pour votre profil communautaire, si vous choisissez de le montrer.",
        ),
        "kind": "text",
        "maximum": 500,
        "display_field": True,
        "section": "about",
        "order": 20,
        "default_audience": "only_me",
    },
]


def add_starter_attributes(apps: Any, schema_editor: Any) -> None:
    Attribute = apps.get_model("profiles", "Attribute")
    for definition in STARTER:
        fields = dict(definition)
        key = fields.pop("key")
        Attribute.objects.update_or_create(key=key, defaults=fields)


def remove_starter_attributes(apps: Any, schema_editor: Any) -> None:
    keys = [definition["key"] for definition in STARTER]
    for model in ("ProfileChange", "ProfileValue"):
        apps.get_model("profiles", model).objects.filter(attribute__key__in=keys).delete()
    apps.get_model("profiles", "Attribute").objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("profiles", "0001_initial")]
    operations = [migrations.RunPython(add_starter_attributes, remove_starter_attributes)]
