"""Who is in a customer's care team, asked of the app that keeps care teams.

Care teams live in ``advice`` (a floor above): it hands its answer here when it is ready
(``advice.apps``), as a lower app is told of a higher one by a signal. Until it has, the
answer is "nobody": a missing answer never opens health data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# (customer id) -> ids of the professionals in their care team
TeamOf = Callable[[int], set[int]]
# (professional id, customer ids) -> the ids among them in that professional's care
CaredFor = Callable[[int, Iterable[int]], set[int]]


def _nobody(customer_id: int) -> set[int]:
    return set()


def _none(professional_id: int, customer_ids: Iterable[int]) -> set[int]:
    return set()


_team_of: TeamOf = _nobody
_cared_for: CaredFor = _none


def provide_care_teams(team_of: TeamOf, cared_for: CaredFor) -> None:
    global _team_of, _cared_for
    _team_of, _cared_for = team_of, cared_for


def care_team_of(customer_id: int) -> set[int]:
    """The professionals in ``customer_id``'s care team (consent is not looked at here)."""
    return _team_of(customer_id)


def cared_for_by(professional_id: int, customer_ids: Iterable[int]) -> set[int]:
    """Those of ``customer_ids`` in ``professional_id``'s care (consent not looked at)."""
    return _cared_for(professional_id, customer_ids)
