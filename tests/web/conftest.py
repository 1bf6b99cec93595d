from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def no_content_security_policy_violations() -> Iterator[None]:
    """Every page a browser test opened loaded only what the policy allows."""
    try:
        from tests.web.browsing import CSP_VIOLATIONS
    except pytest.skip.Exception:  # no Chromium here: the browser tests skip anyway
        yield
        return
    CSP_VIOLATIONS.clear()
    yield
    assert CSP_VIOLATIONS == []


# One cluster (database, Redis, a server) and one Chromium for the browser modules that
# share them; a module that needs a database of its own (it counts what every member
# sees) defines its own ``cluster``/``server``. Imported here, not at the top: importing
# tests.web.browsing skips when Chromium is missing.
@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from tests.web.browsing import a_cluster  # skips without Chromium, see above

    for cluster in a_cluster(tmp_path_factory.mktemp("web")):
        # Its first server migrates the database, whichever module asks first; a module
        # may start more servers on it with settings of its own.
        cluster.start_server(migrate=True)
        yield cluster


@pytest.fixture(scope="session")
def server(cluster: Any) -> object:
    return cluster.servers[0]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from tests.web.browsing import launch  # skips without Chromium, see above

    yield from launch()
