from django.apps import AppConfig


class AdviceConfig(AppConfig):
    name = "advice"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from advice.permissions import cared_for, team_of  # (apps are loaded by now)
        from profiles.access import provide_care_teams  # (apps are loaded by now)

        # Profiles (a floor below) asks who is in a care team through this.
        provide_care_teams(team_of, cared_for)
        from advice import (
            activity,  # noqa: F401  (connects the results receiver)
            alert_data,  # noqa: F401  (registers what alerts keep about a member)
            alert_summary,  # noqa: F401  (registers the daily summary's notification kind)
            alerts,  # noqa: F401  (connects the alert rules to results and check-ins)
            goal_notices,  # noqa: F401  (registers the habit reminder's kind)
            goals,  # noqa: F401  (connects the results_written receiver)
            goals_personal_data,  # noqa: F401  (registers goals and check-ins)
            notes,  # noqa: F401  (registers what it keeps about a member)
            notices,  # noqa: F401  (registers its notification kind)
            personal_data,  # noqa: F401  (registers what it keeps about a member)
            plan_data,  # noqa: F401  (registers what care plans keep about a member)
            plan_notices,  # noqa: F401  (registers its notification kind)
            plan_tasks,  # noqa: F401  (registers its Celery task)
            services,  # noqa: F401  (connects the role-change receiver)
            topics,  # noqa: F401  (registers its real-time event)
        )
