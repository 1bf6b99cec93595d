"""Surveys: making them and answering them. Dietitians and staff make a survey for an
audience; each customer of it answers once and may change their answers while it is
open. Who may do what is ``community.surveys.permissions``; what the answers add up to,
and when that is shown, is ``community.surveys.results``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from community.models import Answer, Question, Response, SnapshotRow, Survey
from community.surveys.permissions import can_author, can_see_results, get_survey, in_audience
from community.surveys.results import refresh_results
from core.errors import Forbidden, NotFound, ServiceError

MAX_QUESTIONS = 50
MAX_OPTIONS = 20
MAX_TEXT_ANSWER = 2000


def _invalid(message: str) -> ServiceError:
    return ServiceError(message, code="invalid_field")


# --- making ------------------------------------------------------------------------------


def create_survey(
    author: User,
    *,
    title: str,
    description: str,
    audience: str,
    audience_value: str,
    opens_at: datetime | None,
    closes_at: datetime,
    results_for: str,
    questions: list[dict[str, Any]],
) -> Survey:
    if not can_author(author):
        raise Forbidden("dietitians and staff make surveys")
    title = title.strip()
    if not title:
        raise _invalid("a survey needs a title")
    if audience not in Survey.Audience.values or results_for not in Survey.ResultsFor.values:
        raise _invalid("unknown audience or results setting")
    if (audience == Survey.Audience.ALL) != (not audience_value):
        raise _invalid("name the region or locale of the audience, and only then")
    opens_at = opens_at or timezone.now()
    if closes_at <= opens_at:
        raise _invalid("a survey closes after it opens")
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise _invalid(f"a survey has 1 to {MAX_QUESTIONS} questions")
    made = [_question(n, q) for n, q in enumerate(questions)]
    with transaction.atomic():
        survey = Survey.objects.create(
            author=author,
            title=title[:200],
            description=description.strip(),
            audience=audience,
            audience_value=audience_value,
            opens_at=opens_at,
            closes_at=closes_at,
            results_for=results_for,
        )
        for question in made:
            question.survey = survey
        Question.objects.bulk_create(made)
    return survey


def _question(position: int, spec: dict[str, Any]) -> Question:
    kind, text = spec.get("kind"), str(spec.get("text", "")).strip()
    if kind not in Question.Kind.values:
        raise _invalid(f"question {position + 1}: kind is single, multiple, scale or text")
    if not text:
        raise _invalid(f"question {position + 1} has no text")
    options = [str(o).strip() for o in spec.get("options") or []]
    question = Question(
        position=position, kind=kind, text=text[:500], required=bool(spec.get("required"))
    )
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        if not 2 <= len(options) <= MAX_OPTIONS or not all(options):
            raise _invalid(f"question {position + 1} needs 2 to {MAX_OPTIONS} options")
        question.options = [o[:200] for o in options]
    elif options:
        raise _invalid(f"question {position + 1}: only choice questions have options")
    if kind == Question.Kind.SCALE:
        low, high = int(spec.get("scale_min", 1)), int(spec.get("scale_max", 5))
        if not -100 <= low < high <= 100:
            raise _invalid(f"question {position + 1}: a scale runs from a low to a higher number")
        question.scale_min, question.scale_max = low, high
    return question


# --- answering ---------------------------------------------------------------------------


def submit(user: User, survey_id: int, answers: dict[int, Any]) -> Response:
    """A customer's response, made or replaced while the survey is open."""
    survey = get_survey(user, survey_id)
    if user.role != Role.CUSTOMER:
        raise Forbidden("surveys are answered by customers")
    if not in_audience(user, survey):
        raise NotFound("no such survey")
    if not survey.is_open():
        raise Forbidden("this survey is not open", code="closed")
    questions = {q.pk: q for q in survey.questions.all()}
    unknown = set(answers) - set(questions)
    if unknown:
        raise _invalid(f"no question {min(unknown)} in this survey")
    rows = []
    for question in questions.values():
        value = answers.get(question.pk)
        if value is None or value == [] or value == "":
            if question.required:
                raise _invalid(f"question {question.position + 1} needs an answer")
            continue
        rows.append(_answer(question, value))
    now = timezone.now()
    with transaction.atomic():
        # A survey's responses change one at a time (the snapshot below takes the same
        # lock): a snapshot always sees whole responses.
        Survey.objects.select_for_update().filter(pk=survey.pk).first()
        response, made = Response.objects.get_or_create(
            survey=survey, user=user, defaults={"submitted_at": now, "updated_at": now}
        )
        if not made:
            response.updated_at = now
            response.save(update_fields=["updated_at"])
        if _replace_answers(response, rows) and not made:
            # Its CSV row stays as the snapshot made it (a replaced free text leaves it
            # with its answer) until the next snapshot makes the row again.
            SnapshotRow.objects.filter(response=response).update(response=None)
        refresh_results(survey.pk)
    return response


def _replace_answers(response: Response, rows: list[Answer]) -> bool:
    """Store ``rows`` as the response's answers. An answer given again unchanged keeps its
    row (the CSV of the latest snapshot still points at it); one changed or withdrawn is
    deleted, and with it every link to its words. Returns whether anything changed."""
    old = {a.question_id: a for a in response.answers.all()}
    new = {a.question_id: a for a in rows}
    kept = {q for q, a in new.items() if q in old and _same_answer(old[q], a)}
    replaced = [a.pk for q, a in old.items() if q not in kept]
    fresh = [a for q, a in new.items() if q not in kept]
    if replaced:
        Answer.objects.filter(pk__in=replaced).delete()
    for answer in fresh:
        answer.response = response
    Answer.objects.bulk_create(fresh)
    return bool(replaced or fresh)


def _same_answer(one: Answer, other: Answer) -> bool:
    return (one.choices, one.number, one.text) == (other.choices, other.number, other.text)


def _answer(question: Question, value: Any) -> Answer:
    where = f"question {question.position + 1}"
    if question.kind == Question.Kind.TEXT:
        if not isinstance(value, str) or len(value) > MAX_TEXT_ANSWER or "\x00" in value:
            raise _invalid(f"{where}: text of {MAX_TEXT_ANSWER} characters at most")
        return Answer(question=question, text=value.strip())
    if question.kind == Question.Kind.SCALE:
        if type(value) is not int or not question.scale_min <= value <= question.scale_max:
            raise _invalid(
                f"{where}: a whole number from {question.scale_min} to {question.scale_max}"
            )
        return Answer(question=question, number=value)
    picked = [value] if question.kind == Question.Kind.SINGLE and type(value) is int else value
    if (
        not isinstance(picked, list)
        or not all(type(i) is int and 0 <= i < len(question.options) for i in picked)
        or len(set(picked)) != len(picked)
        or (question.kind == Question.Kind.SINGLE and len(picked) != 1)
    ):
        raise _invalid(f"{where}: option numbers from 0 to {len(question.options) - 1}")
    return Answer(question=question, choices=sorted(picked))


def my_answers(user: User, survey: Survey) -> dict[int, Any] | None:
    response = Response.objects.filter(survey=survey, user=user).first()
    if response is None:
        return None
    found: dict[int, Any] = {}
    for answer in response.answers.select_related("question"):
        kind = answer.question.kind
        if kind == Question.Kind.TEXT:
            found[answer.question_id] = answer.text
        elif kind == Question.Kind.SCALE:
            found[answer.question_id] = answer.number
        elif kind == Question.Kind.SINGLE:
            found[answer.question_id] = answer.choices[0]
        else:
            found[answer.question_id] = answer.choices
    return found


def shape(user: User, survey: Survey, with_questions: bool = True) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "id": survey.pk,
        "title": survey.title,
        "description": survey.description,
        "author": survey.author.public_name(),
        "audience": survey.audience,
        "audience_value": survey.audience_value,
        "opens_at": survey.opens_at,
        "closes_at": survey.closes_at,
        "open": survey.is_open(),
        "results_for": survey.results_for,
        "can_see_results": can_see_results(user, survey),
        "can_answer": user.role == Role.CUSTOMER and in_audience(user, survey),
    }
    if with_questions:
        shaped["questions"] = [
            {
                "id": q.pk,
                "kind": q.kind,
                "text": q.text,
                "required": q.required,
                "options": q.options,
                "scale_min": q.scale_min,
                "scale_max": q.scale_max,
            }
            for q in survey.questions.all()
        ]
        shaped["my_answers"] = my_answers(user, survey)
    return shaped
