from django.urls import path

from web import views
from web.pages import forum, moderation

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
    path("surveys", views.surveys_page, name="surveys"),
    path("events/<int:event_id>/room", views.room_page, name="room"),
    path("surveys/<int:survey_id>", views.survey_page, name="survey"),
]
