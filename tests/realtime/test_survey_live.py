"""A survey's results arrive live on survey:{id} for those allowed to see them, and
nobody else may follow it; nothing arrives between snapshots (not even that someone
answered)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.roles import Role
from community.surveys import services as surveys
from tests.community.helpers import QUESTIONS
from tests.helpers import new_user
from tests.realtime.helpers import next_of_type, signed_in, subscribe


@database_sync_to_async
def a_water_survey(author):
    """A one-question survey for everyone, open for a day, results for its author."""
    return surveys.create_survey(
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


@pytest.mark.django_db(transaction=True)
async def test_results_arrive_live_for_those_allowed_to_see_them(settings):
    settings.SURVEY_MIN_GROUP = 1
    settings.SURVEY_MIN_ACCOUNT_AGE_DAYS = 0  # the member's account is older than the survey
    author = await database_sync_to_async(new_user)(Role.DIETITIAN)
    member = await database_sync_to_async(new_user)(Role.CUSTOMER)
    survey = await a_water_survey(author)
    a, m = await signed_in(author), await signed_in(member)
    await subscribe(a, survey.topic)
    await m.send_json_to({"type": "subscribe", "topic": survey.topic})
    assert (await next_of_type(m, "error"))["code"] == "forbidden"

    question = await database_sync_to_async(lambda: survey.questions.get())()
    await database_sync_to_async(surveys.submit)(member, survey.pk, {question.pk: 1})
    live = await next_of_type(a, "event", "survey.results")
    assert live["data"]["responses"] == 1 and live["data"]["questions"][0]["counts"] == [0, 1]
    assert "seq" not in live  # results are ephemeral: the latest aggregate is what counts


@pytest.mark.django_db(transaction=True)
async def test_followers_learn_nothing_until_the_group_grows_by_the_minimum(settings):
    settings.SURVEY_MIN_GROUP = 2
    settings.SURVEY_MIN_ACCOUNT_AGE_DAYS = 0
    author = await database_sync_to_async(new_user)(Role.DIETITIAN)
    members = [await database_sync_to_async(new_user)(Role.CUSTOMER) for _ in range(4)]
    survey = await a_water_survey(author)
    question = await database_sync_to_async(lambda: survey.questions.get())()
    a = await signed_in(author)
    await subscribe(a, survey.topic)

    async def answers(member, option: int) -> None:
        await database_sync_to_async(surveys.submit)(member, survey.pk, {question.pk: option})

    # The first answer, or a second from someone who does not count (an account made
    # after the survey): the author cannot tell from the socket that anyone answered.
    await answers(members[0], 1)
    late = await database_sync_to_async(new_user)(Role.CUSTOMER)
    await answers(late, 0)
    assert await a.receive_nothing(0.3)
    await answers(members[1], 0)
    first = await next_of_type(a, "event", "survey.results")
    assert first["data"]["responses"] == 2 and "pending" not in first["data"]

    # A change of mind, then one more: still nothing; two more make the next snapshot.
    await answers(members[0], 0)
    await answers(members[2], 1)
    assert await a.receive_nothing(0.3)
    await answers(members[3], 1)
    second = await next_of_type(a, "event", "survey.results")
    assert second["data"]["responses"] == 4
    assert second["data"]["questions"][0]["counts"] == [2, 2]
