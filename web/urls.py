from django.urls import path

from web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login", views.login_page, name="login"),
    path("signup", views.signup_page, name="signup"),
    path("logout", views.logout_page, name="logout"),
]
