from django.urls import path

from web import views
from web.pages import account, events, forum, moderation, notifications, results, surveys

urlpatterns = [
    path("", views.home, name="home"),
    path("login", views.login_page, name="login"),
    path("signup", views.signup_page, name="signup"),
    path("logout", views.logout_page, name="logout"),
    path("verify-email", views.verify_email_page, name="verify-email"),
    path("verify-email/resend", views.resend_verification_page, name="verify-email-resend"),
    path("forum", forum.forum_page, name="forum"),
    path("forum/t/<int:thread_id>", forum.thread_page, name="thread"),
    path("moderation", moderation.moderation_page, name="moderation"),
    path("surveys", surveys.surveys_page, name="surveys"),
    path("surveys/new", surveys.new_survey_page, name="survey-new"),
    path("events", events.events_page, name="events"),
    path("events/new", events.new_event_page, name="event-new"),
    path("events/<int:event_id>", events.event_page, name="event"),
    path("events/<int:event_id>/room", events.room_page, name="room"),
    path("classes", events.classes_page, name="classes"),
    path("classes/new", events.new_class_page, name="class-new"),
    path("classes/<int:series_id>", events.class_page, name="class"),
    path("surveys/<int:survey_id>", surveys.survey_page, name="survey"),
    path("notifications", notifications.notifications_page, name="notifications"),
    path("settings", account.settings_page, name="settings"),
    path("care", account.care_page, name="care"),
    path("results", results.results_page, name="results"),
    path(
        "care/customers/<int:customer_id>/results",
        results.care_results_page,
        name="care-results",
    ),
]
