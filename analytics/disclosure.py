"""Small counts are never shown (ADR 0016): which cells of a report are hidden.

A report is a table of cells, each computed from a number of people (``n``). Its keys are
tuples of dimension values (``("CA-ON", "2026-11")``); a shown total along a dimension has
``TOTAL`` in that dimension's place (``("CA-ON", TOTAL)``: the region over every month, if
the report shows it; ``(TOTAL, TOTAL)`` the grand total). A dimension is *additive* when
its cells part the people (a person is in one region) and the report shows their totals:
the cells of a line along it sum to the line's total, which is what lets a hidden cell be
worked out by subtraction. Months where a person counts in each are not additive, and a
report shows no total over them.

Three rules, applied in order, until nothing more is hidden:

1. **Primary.** A cell of fewer than ``k`` people (``ANALYTICS_MIN_CELL``, 11 by default,
   never below 5) is hidden, with everything computed from it (count, share, mean,
   percentile, histogram bar). A cell of nobody is shown as 0: it tells nothing about
   anyone.
2. **Small complements** (``complements``). A report narrowed by filters (a segment, a
   sex, an age band) is checked against the same report without each filter in turn: a cell
   whose people differ from that wider cell's by 1 to ``k - 1`` is hidden too, since the
   difference of the two reports would count those few people. This is what keeps two
   neighbouring reports from being subtracted.
3. **Complementary** (``hide``). In each line along an additive dimension whose total is
   shown, the hidden cells must not be worked out from the total: while a line hides
   exactly one cell, or hidden cells of fewer than ``k`` people together, the smallest shown
   cell of more than nobody is hidden as well (its total, if no such cell is left); hidden
   cells of nobody at all count as a small sum (their total would say they are 0). Hiding
   a cell can open another line, so the rule runs until it changes nothing.

Every report is to pass what it shows through ``hide`` before it leaves the server: the
API's answers, the pages and their charts, CSV downloads, the Parquet export's report
tables and the values offered in filters (ADR 0016 also sets the rules for percentiles
and filter values).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings

TOTAL = "*"
FLOOR = 5  # the least ``k`` may be, whatever the settings say
Key = tuple[Hashable, ...]


def min_cell() -> int:
    """``k``: the fewest people a shown number may come from."""
    return max(FLOOR, int(getattr(settings, "ANALYTICS_MIN_CELL", 11)))


def _lines(keys: Collection[Key], dimension: int) -> dict[Key, list[Key]]:
    """The lines along ``dimension``: each total's key with the cells that sum to it."""
    lines: dict[Key, list[Key]] = {}
    for key in keys:
        if key[dimension] == TOTAL:
            continue
        total = (*key[:dimension], TOTAL, *key[dimension + 1 :])
        if total in keys:
            lines.setdefault(total, []).append(key)
    return lines


def primary(counts: Mapping[Key, int], k: int | None = None) -> set[Key]:
    """Rule 1: the cells of 1 to ``k - 1`` people."""
    k = k or min_cell()
    return {key for key, n in counts.items() if 0 < n < k}


def complements(
    counts: Mapping[Key, int], wider: Iterable[Mapping[Key, int]], k: int | None = None
) -> set[Key]:
    """Rule 2: the cells whose people differ by 1 to ``k - 1`` from the same cell of a
    wider report (the same report without one of its filters)."""
    k = k or min_cell()
    hidden = set()
    for other in wider:
        for key, n in counts.items():
            left_out = other.get(key, n) - n
            if 0 < left_out < k:
                hidden.add(key)
    return hidden


def hide(
    counts: Mapping[Key, int],
    additive: Sequence[int],
    *,
    wider: Iterable[Mapping[Key, int]] = (),
    k: int | None = None,
) -> set[Key]:
    """The keys to hide: rules 1 and 2, then rule 3 along each of the ``additive``
    dimensions (their index in the key) until it changes nothing."""
    k = k or min_cell()
    hidden = primary(counts, k) | complements(counts, wider, k)
    lines = [line for d in additive for line in _lines(counts.keys(), d).items()]
    changed = True
    while changed:
        changed = False
        for total, cells in lines:
            if total in hidden:
                continue
            held = [c for c in cells if c in hidden]
            if not held:
                continue
            # What the line's total gives away: the hidden cells' sum. It must be of
            # two cells at least, and of ``k`` people at least (a sum of 0 would tell
            # each is nobody).
            together = sum(counts[c] for c in held)
            if len(held) > 1 and together >= k:
                continue
            shown = sorted(
                (c for c in cells if c not in hidden and counts[c] > 0),
                key=lambda c: (counts[c], repr(c)),
            )
            hidden.add(shown[0] if shown else total)
            changed = True
    return hidden


def shown(
    rows: Mapping[Key, Mapping[str, Any]], hidden: Collection[Key]
) -> dict[Key, dict[str, Any] | None]:
    """Each cell's numbers, or None where hidden (nothing computed from it goes out)."""
    return {key: (None if key in hidden else dict(values)) for key, values in rows.items()}


def percentile_shown(n: int, p: float, k: int | None = None) -> bool:
    """A percentile ``p`` (0 to 1) of ``n`` people's values is an actual person's value
    when few lie beyond it: shown only with at least ``k`` people on each side
    (``n * min(p, 1 - p) >= k``); the minimum and maximum never."""
    k = k or min_cell()
    return 0 < p < 1 and n * min(p, 1 - p) >= k - 1e-9  # (1 - 0.9 is 0.0999...)


def offered(counts: Mapping[Hashable, int], k: int | None = None) -> list[Hashable]:
    """The values a filter may offer: those with at least ``k`` people (listing one with
    fewer would say it exists)."""
    k = k or min_cell()
    return [value for value, n in counts.items() if n >= k]
