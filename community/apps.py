from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The modules that register the community's notification kinds (``realtime``
        # imports them too, with the app's topics, when it is ready first).
        from community.forum import notices  # noqa: F401  (registers its kinds)
        from community.messaging import sending  # noqa: F401  (registers its kinds)
