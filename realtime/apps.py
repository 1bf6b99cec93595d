from importlib import import_module

from django.apps import AppConfig, apps


class RealtimeConfig(AppConfig):
    name = "realtime"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from realtime import (
            connections,  # noqa: F401  (connects the accounts receivers)
            personal_data,  # noqa: F401  (registers what it keeps about a member)
        )

        # Every app declares its topic kinds, actions and events in its topics.py.
        for config in apps.get_app_configs():
            try:
                import_module(f"{config.name}.topics")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.topics":
                    raise
