"""The survey pages: the surveys of my audience, one survey to answer (its results live
for those allowed), and the form an author builds a survey with. Data comes from the API;
the views check only what the page shell needs (the survey's title, who wrote it)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import User
from accounts.roles import Role
from community.surveys import permissions
from core.errors import NotFound


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required let only members in
    return user


@login_required
@ensure_csrf_cookie
def surveys_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/surveys.html")


@login_required
@ensure_csrf_cookie
def survey_page(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Answer a survey; those allowed see its results update live; its author gets the CSV."""
    user = _user(request)
    try:
        survey = permissions.get_survey(user, survey_id)
    except NotFound:
        return render(request, "web/survey.html", {"missing": True}, status=404)
    context = {
        "survey": survey,
        "is_author": survey.author_id == user.pk or user.role == Role.ADMIN,
    }
    return render(request, "web/survey.html", context)


@login_required
@ensure_csrf_cookie
def new_survey_page(request: HttpRequest) -> HttpResponse:
    """Dietitians and staff build a survey; the API decides, the page only offers."""
    if not permissions.can_author(_user(request)):
        return render(request, "web/survey_new.html", {"refused": True}, status=403)
    return render(request, "web/survey_new.html")
