"""What surveys keep about a member: their answers (in the download, each with its
question and the options they picked; on erasure their responses go, and the results
already computed, which name nobody, stay), and the surveys they wrote (kept for their
audience, by "a deleted member")."""

from __future__ import annotations

from accounts.models import User
from accounts.personal_data import Part, Table, register
from community.models import Answer, Response, Survey


def _picked(answer: Answer) -> str:
    options = answer.question.options or []
    return "; ".join(str(options[i]) for i in answer.choices if 0 <= i < len(options))


def export_surveys(user: User) -> list[Part]:
    answers = (
        Answer.objects.filter(response__user=user)
        .select_related("response__survey", "question")
        .order_by("response__submitted_at", "question__position")
    )
    return [
        Table(
            "survey-answers",
            [
                {
                    "survey": a.response.survey_id,
                    "survey_title": a.response.survey.title,
                    "question": a.question.text,
                    "kind": a.question.kind,
                    "choices": _picked(a),
                    "number": a.number,
                    "text": a.text,
                    "answered_at": a.response.updated_at,
                }
                for a in answers
            ],
            columns=(
                "survey",
                "survey_title",
                "question",
                "kind",
                "choices",
                "number",
                "text",
                "answered_at",
            ),
        ),
        Table(
            "surveys-written",
            [
                {"id": s.pk, "title": s.title, "opens_at": s.opens_at, "closes_at": s.closes_at}
                for s in Survey.objects.filter(author=user).order_by("id")
            ],
            columns=("id", "title", "opens_at", "closes_at"),
        ),
    ]


def erase_surveys(user: User) -> None:
    # Their answers go with the responses; a CSV row made from one keeps only the choices
    # and numbers it held (no words, no link: SnapshotRow).
    Response.objects.filter(user=user).delete()


register(
    "community.surveys",
    models=("community.Survey", "community.Response"),
    export=export_surveys,
    erase=erase_surveys,
    keeps="the surveys they wrote, and results computed before (no names in either)",
)
