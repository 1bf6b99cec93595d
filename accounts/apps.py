from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import (
            erasure,  # noqa: F401  (registers the account's personal data)
            signals,  # noqa: F401  (connects the receivers)
        )
