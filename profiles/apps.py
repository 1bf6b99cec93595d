from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Profiles and health records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from profiles import (
            export_fhir,  # noqa: F401  (adds the results' FHIR bundle to the download)
            onboarding,  # noqa: F401  (records sign-up's consent answers: signed_up)
            personal_data,  # noqa: F401  (registers what it keeps about a member)
            results_read,  # noqa: F401  (connects the receiver that reads results again)
            topics,  # noqa: F401  (registers the health topic)
        )
