"""Survey results: the responses that count, their aggregates, the snapshots made of them
and the author's CSV of a snapshot. Results are never shown for a group smaller than
``SURVEY_MIN_GROUP``, and only respondents who could not have been made for the survey
count toward that group and appear in the results and the CSV: a verified e-mail
address, an active account, made at least ``SURVEY_MIN_ACCOUNT_AGE_DAYS`` before the
survey was. Anyone of the audience may answer; the others' answers are kept and simply
not counted.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections import Counter
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import Role
from community.models import Answer, Question, Response, SnapshotRow, Survey
from community.surveys.permissions import can_see_results, get_survey
from core.errors import Conflict, Forbidden
from realtime.publish import publish


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


def refresh_results(survey_id: int) -> None:
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
    rows of responses changed since (detached in ``services.submit``), no longer counted
    or gone are dropped; the others are made from the answers as they are now."""
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
