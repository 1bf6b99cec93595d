from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
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


# One cluster (database, Redis, a server) for the browser modules. A
# module that needs a database of its own (it counts what every member sees) says so with
# ``OWN_CLUSTER = {<settings>}``. Imported here, not at the top: importing
# tests.web.browsing skips when Chromium is missing.
def _migrated_cluster(workdir: Path, **env: str) -> Iterator[Any]:
    from tests.web.browsing import a_cluster  # skips without Chromium, see above

    for cluster in a_cluster(workdir, **env):
        # Its database is born migrated; a module may start more servers on it with
        # settings of its own.
        cluster.start_server()
        yield cluster


@pytest.fixture(scope="session")
def shared_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from _migrated_cluster(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    own = getattr(request.module, "OWN_CLUSTER", None)
    if own is None:
        yield request.getfixturevalue("shared_cluster")
        return
    yield from _migrated_cluster(tmp_path_factory.mktemp(request.module.__name__), **own)


@pytest.fixture(scope="module")
def server(cluster: Any) -> Any:
    return cluster.servers[0]


# A Chromium per module: Playwright's synchronous API runs an event loop in this thread
# while it is started, and Django refuses database access from a thread with a running
# loop. A parallel worker may run a file of database tests after a browser module.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from tests.web.browsing import launch  # skips without Chromium, see above

    yield from launch()
