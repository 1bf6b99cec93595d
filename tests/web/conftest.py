from __future__ import annotations

from collections.abc import Iterator

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
