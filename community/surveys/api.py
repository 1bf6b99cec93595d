"""Surveys over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Field

from accounts.bounds import BoundedDatetime, Id
from accounts.permissions import acting_user, signed_in_user
from accounts.schemas import Input
from community.surveys import permissions, services
from community.surveys import results as survey_results
from community.surveys.topics import SurveyResults

router = Router(tags=["surveys"])


class QuestionIn(Input):
    kind: str = Field(max_length=8, description="single, multiple, scale or text")
    text: str = Field(max_length=500)
    required: bool = False
    options: list[str] = Field(default_factory=list, max_length=services.MAX_OPTIONS)
    scale_min: int = Field(default=1, ge=-100, le=100)
    scale_max: int = Field(default=5, ge=-100, le=100)


class SurveyIn(Input):
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    audience: str = Field(default="all", max_length=8, description="all, region or locale")
    audience_value: str = Field(default="", max_length=16)
    opens_at: BoundedDatetime | None = None
    closes_at: BoundedDatetime
    results_for: str = Field(
        default="author", max_length=12, description="author, respondents or audience"
    )
    questions: list[QuestionIn] = Field(max_length=services.MAX_QUESTIONS)


class QuestionOut(Schema):
    id: int
    kind: str
    text: str
    required: bool
    options: list[str]
    scale_min: int
    scale_max: int


class SurveyOut(Schema):
    id: int
    title: str
    description: str
    author: str
    audience: str
    audience_value: str
    opens_at: datetime
    closes_at: AwareDatetime
    open: bool
    results_for: str
    can_see_results: bool
    can_answer: bool


class SurveyDetail(SurveyOut):
    questions: list[QuestionOut]
    my_answers: dict[int, Any] | None


# An option number, or a point of a scale (scales run from -100 to 100).
AnswerNumber = Annotated[int, Field(ge=-100, le=100)]


class ResponseIn(Input):
    answers: dict[Id, AnswerNumber | list[AnswerNumber] | str] = Field(
        description="question id: an option number (single), option numbers (multiple), "
        "a number (scale) or text"
    )


@router.get("/surveys", response=list[SurveyOut])
def list_surveys(request: HttpRequest) -> list[dict[str, Any]]:
    """The surveys of my audience (all of them for professionals and staff)."""
    user = signed_in_user(request)
    return [services.shape(user, s, False) for s in permissions.visible_surveys(user)[:100]]


@router.post("/surveys", response={201: SurveyDetail})
def create_survey(request: HttpRequest, payload: SurveyIn) -> Status[dict[str, Any]]:
    """Dietitians and staff."""
    user = acting_user(request)
    fields = payload.model_dump()
    survey = services.create_survey(user, **fields)
    return Status(201, services.shape(user, survey))


@router.get("/surveys/{survey_id}", response=SurveyDetail)
def get_survey(request: HttpRequest, survey_id: int) -> dict[str, Any]:
    user = signed_in_user(request)
    return services.shape(user, permissions.get_survey(user, survey_id))


@router.put("/surveys/{survey_id}/response", response=SurveyDetail)
def respond(request: HttpRequest, survey_id: int, payload: ResponseIn) -> dict[str, Any]:
    """My answers, made or replaced while the survey is open."""
    user = acting_user(request)
    services.submit(user, survey_id, payload.answers)
    return services.shape(user, permissions.get_survey(user, survey_id))


@router.get("/surveys/{survey_id}/results", response=SurveyResults)
def results(request: HttpRequest, survey_id: int) -> dict[str, Any]:
    """Aggregates; ``suppressed`` with nothing per question below the minimum group size.
    The same shape arrives live on ``survey:{id}``."""
    return survey_results.results(signed_in_user(request), survey_id)


@router.get("/surveys/{survey_id}/export.csv", response={200: None})
def export(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The author's CSV of all responses, without names."""
    body = survey_results.export_csv(signed_in_user(request), survey_id)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey_id}.csv"'
    return response
