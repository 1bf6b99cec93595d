from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from advice.providers import provide_group  # (apps are loaded by now)
        from events.care_groups import class_members  # (apps are loaded by now)

        # Advice (a floor below) sends a care plan to everyone enrolled in a class.
        provide_group("class", class_members)
        from events import (
            notices,  # noqa: F401  (registers its notification kinds)
            personal_data,  # noqa: F401  (registers what it keeps about a member)
        )
