from django.apps import AppConfig


class AdviceConfig(AppConfig):
    name = "advice"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from advice import services  # noqa: F401  (connects the role-change receiver)
