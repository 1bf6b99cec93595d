"""``survey:{id}``: live results, for those allowed to see them. Ephemeral: a follower
reads the current results over HTTP and gets each new aggregate as responses arrive."""

from __future__ import annotations

from accounts.models import User
from community.forum.shapes import Frozen
from community.models import Survey
from community.surveys.services import can_see_results
from realtime.registry import TopicKind, registry


class QuestionResult(Frozen):
    id: int
    kind: str
    answered: int
    suppressed: bool
    counts: list[int] | None
    mean: float | None


class SurveyResults(Frozen):
    survey: int
    responses: int
    pending: int
    minimum: int
    suppressed: bool
    questions: list[QuestionResult]


def can_follow_survey(user: User, key: str) -> bool:
    if not key.isdigit():
        return False
    survey = Survey.objects.filter(pk=int(key)).first()
    return survey is not None and can_see_results(user, survey)


registry.add_topic_kind(TopicKind("survey", can_follow_survey, durable=False))
registry.add_event("survey.results", SurveyResults)
