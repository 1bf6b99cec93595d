from __future__ import annotations

import pytest

from accounts.roles import Role


@pytest.fixture
def dietitian(make_user):
    return make_user(Role.DIETITIAN, time_zone="America/Toronto")
