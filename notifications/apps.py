from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import (
            personal_data,  # noqa: F401  (registers what it keeps about a member)
            services,  # noqa: F401  (connects the copies receiver)
        )
