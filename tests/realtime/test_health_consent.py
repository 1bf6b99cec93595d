"""A withdrawn consent to care reaches open sockets at once: a care-team professional
following the customer's ``health:`` topic is dropped from it, and cannot follow it again."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from accounts.roles import Role
from advice import services as care
from profiles import consents
from profiles.topics import topic_of
from tests.helpers import new_user
from tests.realtime.helpers import next_of_type, receive_json, signed_in, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


async def test_withdrawing_care_consent_drops_the_care_team_from_the_health_topic():
    @database_sync_to_async
    def setting_up():
        admin, dietitian = new_user(Role.ADMIN), new_user(Role.DIETITIAN)
        customer = new_user(Role.CUSTOMER)
        care.add_to_care_team(admin, customer, dietitian)
        consents.grant(customer, "care", consents.TEXTS["care"].version)
        return dietitian, customer

    dietitian, customer = await setting_up()
    topic = topic_of(customer.pk)
    sock = await signed_in(dietitian)
    _, subscribed = await subscribe(sock, topic)
    assert subscribed["topic"] == topic

    await database_sync_to_async(consents.withdraw)(customer, "care")

    dropped = await next_of_type(sock, "error")
    assert dropped["code"] == "forbidden" and dropped["topic"] == topic
    await sock.send_json_to({"type": "subscribe", "topic": topic})
    refused = await receive_json(sock)
    assert refused["type"] == "error" and refused["code"] == "forbidden"
