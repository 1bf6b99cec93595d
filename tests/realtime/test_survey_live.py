"""A survey's results arrive live on survey:{id} for those allowed to see them, and
nobody else may follow it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.roles import Role
from community.surveys import services as surveys
from tests.community.test_surveys import QUESTIONS
from tests.conftest import _new_user
from tests.realtime.test_dm_live import next_of_type, signed_in, subscribe


@pytest.mark.django_db(transaction=True)
async def test_results_arrive_live_for_those_allowed_to_see_them(settings):
    settings.SURVEY_MIN_GROUP = 1
    author = await database_sync_to_async(_new_user)(Role.DIETITIAN)
    member = await database_sync_to_async(_new_user)(Role.CUSTOMER)
    survey = await database_sync_to_async(surveys.create_survey)(
        author,
        title="Water",
        description="",
        audience="all",
        audience_value="",
        opens_at=None,
        closes_at=timezone.now() + timedelta(days=1),
        results_for="author",
        questions=QUESTIONS[:1],
    )
    a, m = await signed_in(author), await signed_in(member)
    await subscribe(a, survey.topic)
    await m.send_json_to({"type": "subscribe", "topic": survey.topic})
    assert (await next_of_type(m, "error"))["code"] == "forbidden"

    question = await database_sync_to_async(lambda: survey.questions.get())()
    await database_sync_to_async(surveys.submit)(member, survey.pk, {question.pk: 1})
    live = await next_of_type(a, "event", "survey.results")
    assert live["data"]["responses"] == 1 and live["data"]["questions"][0]["counts"] == [0, 1]
    assert "seq" not in live  # results are ephemeral: the latest aggregate is what counts
