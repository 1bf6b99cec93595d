"""Surveys: made by dietitians and staff for an audience, answered once per customer and
editable while open, with results aggregated live and never shown for a group smaller
than ``SURVEY_MIN_GROUP``.

Only respondents who could not have been made for the survey count toward that group
and appear in the results and the CSV: a verified e-mail address, an active account,
made at least ``SURVEY_MIN_ACCOUNT_AGE_DAYS`` before the survey was. Anyone of the
audience may answer; the others' answers are kept and simply not counted.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.roles import STAFF_ROLES, Role
from community.models import Answer, Question, Response, SnapshotRow, Survey
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from realtime.publish import publish

MAX_QUESTIONS = 50
MAX_OPTIONS = 20
MAX_TEXT_ANSWER = 2000


def _invalid(message: str) -> ServiceError:
    return ServiceError(message, code="invalid_field")


# --- who ---------------------------------------------------------------------------------


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
        _refresh_results(survey.pk)
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


# --- results -----------------------------------------------------------------------------


def counted_responses(survey: Survey) -> QuerySet[Response]:
    """The responses that count toward the survey's group: of verified, active accounts
    made at least SURVEY_MIN_ACCOUNT_AGE_DAYS before the survey (so none made for it)."""
    made_by = survey.created_at - timedelta(days=settings.SURVEY_MIN_ACCOUNT_AGE_DAYS)
    return Response.objects.filter(
        survey=survey,
        user__is_active=True,
        user__email_verified_at__isnull=False,
        user__date_joined__lte=made_by,
    )


def results(user: User, survey_id: int) -> dict[str, Any]:
    survey = get_survey(user, survey_id)
    if not can_see_results(user, survey):
        raise Forbidden("the results of this survey are not shown to you")
    return shown_results(survey)


def shown_results(survey: Survey) -> dict[str, Any]:
    """The latest snapshot, and nothing of what came since (not even how many: a count
    that moves tells when someone answered)."""
    minimum = settings.SURVEY_MIN_GROUP
    snapshot = survey.results_snapshot
    if snapshot is None:
        return {
            "survey": survey.pk,
            "responses": 0,
            "minimum": minimum,
            "suppressed": True,
            "questions": [],
        }
    return {**snapshot, "minimum": minimum}


def aggregate(survey: Survey, counted: QuerySet[Response]) -> dict[str, Any]:
    """Counts per option, a scale's distribution and mean, how many answered a text
    question (never the texts), over the ``counted`` responses. A question answered by
    fewer than the minimum group shows only how many answered it."""
    total = counted.count()
    minimum = settings.SURVEY_MIN_GROUP
    answers = Answer.objects.filter(response__in=counted).values_list(
        "question_id", "choices", "number"
    )
    per_question: dict[int, list[tuple[list[int], int | None]]] = {}
    for question_id, choices, number in answers:
        per_question.setdefault(question_id, []).append((choices, number))
    shaped: list[dict[str, Any]] = []
    for question in survey.questions.all():
        given = per_question.get(question.pk, [])
        item: dict[str, Any] = {
            "id": question.pk,
            "kind": question.kind,
            "answered": len(given),
            "suppressed": len(given) < minimum,
            "counts": None,
            "mean": None,
        }
        shaped.append(item)
        if item["suppressed"]:
            continue
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            counts = Counter(i for choices, _ in given for i in choices)
            item["counts"] = [counts.get(i, 0) for i in range(len(question.options))]
        elif question.kind == Question.Kind.SCALE:
            numbers = [n for _, n in given if n is not None]
            spread = Counter(numbers)
            item["counts"] = [
                spread.get(v, 0) for v in range(question.scale_min, question.scale_max + 1)
            ]
            item["mean"] = round(sum(numbers) / len(numbers), 2) if numbers else None
    return {"survey": survey.pk, "responses": total, "suppressed": False, "questions": shaped}


def _refresh_results(survey_id: int) -> None:
    """After a response, in its transaction: a new snapshot once SURVEY_MIN_GROUP more
    counted responses came in (never for a change of one person alone), told to those
    following (sent on commit). Nothing is sent otherwise: a message per answer would
    tell when someone answered. The survey row is locked: one snapshot at a time."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
        if survey is None:
            return
        counted = counted_responses(survey)
        total = counted.count()
        minimum = settings.SURVEY_MIN_GROUP
        since = total - (survey.snapshot_responses if survey.results_snapshot else 0)
        if total < minimum or since < minimum:
            return
        survey.results_snapshot = aggregate(survey, counted)
        survey.snapshot_responses = total
        survey.save(update_fields=["results_snapshot", "snapshot_responses"])
        _make_rows(survey, counted)
        publish(survey.topic, "survey.results", shown_results(survey))


def _make_rows(survey: Survey, counted: QuerySet[Response]) -> None:
    """The CSV's rows for a new snapshot, from the same responses as its results: a row
    per counted response. Rows of responses unchanged since their row was made stay;
    rows of responses changed since (detached in ``submit``), no longer counted or gone
    are dropped; the others are made from the answers as they are now."""
    SnapshotRow.objects.filter(survey=survey).exclude(response__in=counted).delete()
    kinds = dict(survey.questions.values_list("pk", "kind"))
    made: list[tuple[SnapshotRow, list[int]]] = []
    for response in counted.filter(snapshot_row__isnull=True).prefetch_related("answers"):
        cells: dict[str, Any] = {}
        texts: list[int] = []
        for answer in response.answers.all():
            kind = kinds[answer.question_id]
            if kind == Question.Kind.TEXT:
                if answer.text:
                    cells[str(answer.question_id)] = True  # given; the words stay in the answer
                    texts.append(answer.pk)
            elif kind == Question.Kind.SCALE:
                cells[str(answer.question_id)] = answer.number
            else:
                cells[str(answer.question_id)] = answer.choices
        row = SnapshotRow(
            survey=survey, response=response, position=secrets.randbits(62), cells=cells
        )
        made.append((row, texts))
    SnapshotRow.objects.bulk_create([row for row, _ in made])
    Link = SnapshotRow.texts.through
    Link.objects.bulk_create(
        [Link(snapshotrow_id=row.pk, answer_id=pk) for row, texts in made for pk in texts]
    )


def export_csv(user: User, survey_id: int) -> str:
    """The rows of the latest results snapshot, one per respondent it counted, for the
    author: no names or ids, in an order drawn at random when the row was made. The rows
    are fixed by the snapshot, so two exports between snapshots are the same and the CSV
    agrees with the results. Free-text answers only from SURVEY_MIN_GROUP_FREE_TEXT
    responses (a person's own words beside their other answers are easier to recognise
    than a tick), and a free-text column only while every answer in it is as the
    snapshot found it: one replaced or withdrawn since empties the whole column until the
    next snapshot (it keeps no replaced words, and does not point at whose changed)."""
    survey = get_survey(user, survey_id)
    if survey.author_id != user.pk and user.role != Role.ADMIN:
        raise Forbidden("only the author exports the responses")
    rows = list(SnapshotRow.objects.filter(survey=survey).prefetch_related("texts"))
    if survey.results_snapshot is None or len(rows) < settings.SURVEY_MIN_GROUP:
        raise Conflict(
            f"the responses are exported from {settings.SURVEY_MIN_GROUP} on",
            code="too_few_responses",
        )
    text_from = max(settings.SURVEY_MIN_GROUP_FREE_TEXT, settings.SURVEY_MIN_GROUP)
    with_text = len(rows) >= text_from
    questions = list(survey.questions.all())
    texts = [{a.question_id: a.text for a in row.texts.all()} for row in rows]
    changed = {
        q.pk
        for q in questions
        if q.kind == Question.Kind.TEXT
        and sum(row.cells.get(str(q.pk)) is True for row in rows)
        != sum(q.pk in given for given in texts)
    }
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["response", *[_heading(q, with_text, text_from, q.pk in changed) for q in questions]]
    )
    for n, (row, given) in enumerate(zip(rows, texts, strict=True), start=1):
        cells = [_cell(q, row.cells.get(str(q.pk)), given.get(q.pk, "")) for q in questions]
        shown = [
            "" if q.kind == Question.Kind.TEXT and (not with_text or q.pk in changed) else cell
            for q, cell in zip(questions, cells, strict=True)
        ]
        writer.writerow([n, *shown])
    return out.getvalue()


def _heading(question: Question, with_text: bool, text_from: int, changed: bool) -> str:
    if question.kind == Question.Kind.TEXT and not with_text:
        return f"{question.text} (free text: shown from {text_from} responses)"
    if question.kind == Question.Kind.TEXT and changed:
        return f"{question.text} (free text: changed since these results; shown with the next)"
    return question.text


def _cell(question: Question, frozen: Any, text: str) -> str:
    if question.kind == Question.Kind.TEXT:
        return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # no spreadsheet formulas
    if frozen is None:
        return ""
    if question.kind == Question.Kind.SCALE:
        return str(frozen)
    return "; ".join(question.options[i] for i in frozen)


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
