from django.apps import AppConfig


class AdviceConfig(AppConfig):
    name = "advice"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from advice import (
            notices,  # noqa: F401  (registers its notification kind)
            services,  # noqa: F401  (connects the role-change receiver)
        )
