"""Who may author a survey, see it, answer it and see its results, and the surveys a
member sees: the rules of surveys in one place."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from accounts.roles import STAFF_ROLES, Role
from community.models import Response, Survey
from core.errors import NotFound


def can_author(user: User) -> bool:
    return user.role in STAFF_ROLES or user.role == Role.DIETITIAN


def in_audience(user: User, survey: Survey) -> bool:
    if survey.audience == Survey.Audience.REGION:
        return user.region == survey.audience_value
    if survey.audience == Survey.Audience.LOCALE:
        return user.locale == survey.audience_value
    return True


def can_see(user: User, survey: Survey) -> bool:
    """Customers see the surveys of their audience; professionals and staff see all."""
    return user.role != Role.CUSTOMER or in_audience(user, survey)


def can_see_results(user: User, survey: Survey) -> bool:
    if survey.author_id == user.pk or user.role in STAFF_ROLES:
        return True
    if not can_see(user, survey):
        return False
    if survey.results_for == Survey.ResultsFor.AUDIENCE:
        return True
    if survey.results_for == Survey.ResultsFor.RESPONDENTS:
        responded = getattr(survey, "responded", None)  # annotated on lists
        if responded is not None:
            return bool(responded)
        return Response.objects.filter(survey=survey, user=user).exists()
    return False


def get_survey(user: User, survey_id: int) -> Survey:
    survey = Survey.objects.select_related("author").filter(pk=survey_id).first()
    if survey is None or not can_see(user, survey):
        raise NotFound("no such survey")
    return survey


def visible_surveys(user: User) -> QuerySet[Survey]:
    """The surveys ``user`` may see, each knowing whether they answered it (one query)."""
    surveys = Survey.objects.select_related("author").annotate(
        responded=Exists(Response.objects.filter(survey=OuterRef("pk"), user=user))
    )
    if user.role != Role.CUSTOMER:
        return surveys
    return surveys.filter(
        Q(audience=Survey.Audience.ALL)
        | Q(audience=Survey.Audience.REGION, audience_value=user.region)
        | Q(audience=Survey.Audience.LOCALE, audience_value=user.locale)
    )
