"""Shared fixtures: users, API clients, and a fake Cognito user pool (the plain helpers
they use are in tests/helpers.py)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from accounts import cognito, limits, signin, verification
from accounts.models import User
from accounts.roles import Role
from tests.helpers import CLIENT_ID, POOL_ID, REGION, FakeUserPool, new_user

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from server import settings_test

    missing = {
        "postgres": not settings_test.POSTGRES_AVAILABLE,
        "redis": not settings_test.REDIS_AVAILABLE,
    }
    for item in items:
        for marker, absent in missing.items():
            if absent and item.get_closest_marker(marker):
                # Under CI=true the settings refuse to load without the services.
                item.add_marker(pytest.mark.skip(reason=f"{marker} is not reachable here"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The clusters' migrated template database (tests/live.py) goes with the session."""
    from tests import live

    live.drop_migrated_template()


# The data migrations whose rows tests rely on: (module, the function that adds them).
MIGRATED_ROWS = (
    ("profiles.migrations.0002_starter_attributes", "add_starter_attributes"),
    ("profiles.migrations.0003_starter_catalogue", "add_catalogue"),
    ("advice.migrations.0006_default_alert_rules", "add_default_rules"),
)


def _transactional(item: pytest.Item, fixturenames: list[str]) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in fixturenames
    )


def _add_migrated_rows_if_missing() -> None:
    from django.apps import apps  # (the settings are loaded by now)

    from profiles.models import MedicalTest  # (the apps are loaded by now)

    if MedicalTest.objects.exists():
        return
    for module, function in MIGRATED_ROWS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _migrated_rows(request: pytest.FixtureRequest) -> None:
    """A transactional test empties every table when it ends, the rows that data
    migrations made too (the profile attributes, the medical-test catalogue): each
    transactional test starts with them made again, whatever ran before it."""
    if not _transactional(request.node, request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    _add_migrated_rows_if_missing()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """...and once it has emptied them, they are made again at once, for the tests after it
    that run in a transaction of their own. pytest-django runs those first, but a parallel
    worker (pytest-xdist) takes whole files in turn, so one may follow a transactional test.
    (After the last test the test database is gone: nothing to make again.)"""
    result = yield
    if nextitem is not None and _transactional(item, getattr(item, "fixturenames", [])):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _add_migrated_rows_if_missing()
    return result


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end the sessions that worker threads of the
    gateway may still hold (a thread that finishes after its test cannot close its
    connection: the database is blocked for it by then)."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def no_failed_sign_ins_counted_from_the_test_client() -> None:
    """Every test client comes from 127.0.0.1: failed sign-ins and sign-ups of earlier
    tests (and earlier runs, in the same Redis) must not count against the next test."""
    signin.forget_client("127.0.0.1")
    limits.forget(verification.sign_up_window(), signin.address_key("127.0.0.1"))


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    return new_user


@pytest.fixture
def customer(make_user: Callable[..., User]) -> User:
    return make_user(Role.CUSTOMER)


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN)


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def browser() -> Client:
    """A client that, like a browser, must present the CSRF token on writes."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def make_user_async(transactional_db: None) -> Callable[..., Any]:
    return database_sync_to_async(new_user)


@pytest.fixture
def user_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUserPool]:
    pool = FakeUserPool()
    monkeypatch.setattr(settings, "COGNITO_REGION", REGION)
    monkeypatch.setattr(settings, "COGNITO_USER_POOL_ID", POOL_ID)
    monkeypatch.setattr(settings, "COGNITO_APP_CLIENT_IDS", [CLIENT_ID])
    monkeypatch.setattr(settings, "COGNITO_TOKEN_USE", ["access"])
    monkeypatch.setattr(settings, "COGNITO_JWKS_URL", "https://jwks.invalid/jwks.json")
    monkeypatch.setattr(cognito, "fetch_jwks", pool.fetch)
    monkeypatch.setattr(cognito, "_verifier", None)
    yield pool
    cognito._verifier = None
