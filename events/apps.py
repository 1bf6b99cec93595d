from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from events import (
            notices,  # noqa: F401  (registers its notification kinds)
            personal_data,  # noqa: F401  (registers what it keeps about a member)
        )
