"""A database constraint no service turned into a refusal is still the client's conflict
with what is stored: 409 in the API's error shape, logged with the path, never a 500."""

from __future__ import annotations

import logging

import pytest
from django.db import IntegrityError

from accounts.roles import Role
from advice import alert_rules
from tests.advice.alert_helpers import into_care, rule
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def test_an_integrity_error_is_a_409_conflict_logged_with_the_path(
    client, make_user, monkeypatch, caplog
):
    dietitian = make_user(Role.DIETITIAN)
    customer = make_user()
    into_care(customer, dietitian)
    override = rule(name="w", kind="above", test="weight", threshold=120, customer=customer)

    def clash(*args, **kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "secret_name"')

    monkeypatch.setattr(alert_rules, "update_rule", clash)
    path = f"/api/alert-rules/{override.pk}"
    with caplog.at_level(logging.WARNING, logger="server.api"):
        answer = client.patch(
            path, {"threshold": 130}, content_type="application/json", **bearer(dietitian)
        )
    assert answer.status_code == 409
    body = api_json(answer)
    assert body["code"] == "conflict" and body["detail"] and body["message"]
    assert "secret_name" not in answer.content.decode()
    assert any(path in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
