from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Profiles and health records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from profiles import (
            results_read,  # noqa: F401  (connects the receiver that reads results again)
            topics,  # noqa: F401  (registers the health topic)
        )
