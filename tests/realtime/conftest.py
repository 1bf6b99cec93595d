from __future__ import annotations

import pytest

from tests.realtime.helpers import disconnect_all


@pytest.fixture(autouse=True)
async def disconnect_every_socket(transactional_db):
    """Like a server, tell the app each socket is gone, whatever the test did; before the
    test database goes away, since disconnecting still writes (presence, unfollow)."""
    yield
    await disconnect_all()
