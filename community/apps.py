from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The modules that register the community's notification kinds (``realtime``
        # imports them too, with the app's topics, when it is ready first), and what each
        # part keeps about a member (``accounts.personal_data``).
        import community.forum.notices  # (registers its kinds)
        import community.forum.personal_data  # (registers its part)
        import community.messaging.personal_data  # (registers its part)
        import community.messaging.sending  # (registers its kinds)
        import community.surveys.personal_data  # noqa: F401  (registers its part)
        from advice.providers import provide_unread  # (apps are loaded by now)
        from community.messaging.unread import unread_from  # (apps are loaded by now)

        # The care team's dashboard (advice, a floor below) counts unread messages so.
        provide_unread(unread_from)
