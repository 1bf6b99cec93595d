"""``survey:{id}``: live results, for those allowed to see them. Ephemeral: a follower
reads the current results over HTTP and gets each new snapshot when one is made."""

from __future__ import annotations

from accounts.bounds import id_from_key
from accounts.models import User
from community.models import Survey
from community.surveys.permissions import can_see_results
from realtime.registry import EventSchema, TopicKind, registry


class QuestionResult(EventSchema):
    id: int
    kind: str
    answered: int
    suppressed: bool
    counts: list[int] | None
    mean: float | None


class SurveyResults(EventSchema):
    survey: int
    responses: int
    minimum: int
    suppressed: bool
    questions: list[QuestionResult]


def can_follow_survey(user: User, key: str) -> bool:
    survey_id = id_from_key(key)
    survey = None if survey_id is None else Survey.objects.filter(pk=survey_id).first()
    return survey is not None and can_see_results(user, survey)


registry.add_topic_kind(TopicKind("survey", can_follow_survey, durable=False))
registry.add_event("survey.results", SurveyResults)
