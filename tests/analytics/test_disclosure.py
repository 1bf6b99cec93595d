"""Small counts are never shown (ADR 0016): a cell of fewer than k people is hidden, its
line hides another so the total does not give it away, and a report narrowed by a filter
hides the cells whose difference from the wider report would count a few people. An
attacker who knows every number two neighbouring reports show cannot work a hidden cell
out, where without the rules they could."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping

import pytest
from django.test import override_settings

from analytics.disclosure import TOTAL, hide, min_cell, offered, percentile_shown, primary

K = 11


def with_totals(cells: Mapping[tuple, int]) -> dict[tuple, int]:
    """The cells and every total of them (each dimension summed or not)."""
    out: Counter[tuple] = Counter()
    for key, n in cells.items():
        for mask in itertools.product((False, True), repeat=len(key)):
            out[tuple(TOTAL if m else v for v, m in zip(key, mask, strict=True))] += n
    return dict(out)


def counted(people: list[dict], by: tuple[str, ...], **only: str) -> dict[tuple, int]:
    """A report: the people matching ``only`` counted by ``by``, with its totals; every
    cell of the full grid present (a cell of nobody is a 0)."""
    grid = itertools.product(*[sorted({p[d] for p in people}) for d in by])
    cells = dict.fromkeys(grid, 0)
    for p in people:
        if all(p[name] == value for name, value in only.items()):
            cells[tuple(p[d] for d in by)] += 1
    return with_totals(cells)


def test_k_is_eleven_by_default_and_never_below_five():
    assert min_cell() == 11
    with override_settings(ANALYTICS_MIN_CELL=3):
        assert min_cell() == 5


def test_a_small_cell_is_hidden_and_its_line_hides_another_so_the_total_does_not_tell():
    counts = with_totals({("A",): 3, ("B",): 15, ("C",): 30, ("D",): 0})
    assert primary(counts, K) == {("A",)}
    hidden = hide(counts, additive=[0], k=K)
    # A alone would be the total minus the rest: B, the smallest of more than nobody,
    # goes too; D (nobody) is shown as 0; the total stays.
    assert hidden == {("A",), ("B",)}


def test_hidden_cells_that_add_up_to_a_few_people_hide_more():
    counts = with_totals({("A",): 2, ("B",): 3, ("C",): 12, ("D",): 40})
    # A and B together are 5 people: the total would count them. C goes too.
    assert hide(counts, additive=[0], k=K) == {("A",), ("B",), ("C",)}


def test_a_line_with_too_few_people_in_all_hides_its_total():
    counts = with_totals({("A",): 2, ("B",): 3})
    assert hide(counts, additive=[0], k=K) == {("A",), ("B",), (TOTAL,)}


def _determined(counts: Mapping[tuple, int], hidden: set[tuple], additive: list[int]) -> set:
    """The hidden keys whose value follows from the shown numbers: each line's cells sum
    to its total; a hidden key is determined when its unit vector lies in the span of the
    lines' equations over the hidden unknowns (exact arithmetic)."""
    unknowns = sorted(hidden, key=repr)
    index = {key: i for i, key in enumerate(unknowns)}
    rows = []
    for d in additive:
        for total in [k for k in counts if k[d] == TOTAL]:
            cells = [
                k
                for k in counts
                if k[d] != TOTAL and k[:d] + k[d + 1 :] == total[:d] + total[d + 1 :]
            ]
            row = [0] * len(unknowns)
            for key in [*cells, total]:
                if key in index:
                    row[index[key]] += -1 if key == total else 1
            if any(row):
                rows.append(row)

    def rank(matrix: list[list[int]]) -> int:
        from fractions import Fraction

        m = [[Fraction(x) for x in r] for r in matrix]
        found = 0
        for col in range(len(unknowns)):
            pivot = next((r for r in range(found, len(m)) if m[r][col] != 0), None)
            if pivot is None:
                continue
            m[found], m[pivot] = m[pivot], m[found]
            for r in range(len(m)):
                if r != found and m[r][col] != 0:
                    factor = m[r][col] / m[found][col]
                    m[r] = [a - factor * b for a, b in zip(m[r], m[found], strict=True)]
            found += 1
        return found

    base = rank(rows)
    return {
        key
        for key, i in index.items()
        if rank([*rows, [1 if j == i else 0 for j in range(len(unknowns))]]) == base
    }


def test_no_hidden_cell_of_a_two_way_table_follows_from_its_totals():
    people = (
        [{"region": "ON", "sex": "f"}] * 40 + [{"region": "ON", "sex": "m"}] * 4
        + [{"region": "QC", "sex": "f"}] * 25 + [{"region": "QC", "sex": "m"}] * 30
        + [{"region": "BC", "sex": "f"}] * 7 + [{"region": "BC", "sex": "m"}] * 19
    )  # fmt: skip
    counts = counted(people, ("region", "sex"))
    hidden = hide(counts, additive=[0, 1], k=K)
    assert {("ON", "m"), ("BC", "f")} <= hidden
    assert _determined(counts, hidden, [0, 1]) == set()
    # Without the complementary rule, both small cells follow from the totals.
    assert _determined(counts, primary(counts, K), [0, 1]) == {("ON", "m"), ("BC", "f")}


@pytest.mark.parametrize("men_in_ontario", [1, 3, 10])
def test_differencing_two_neighbouring_reports_does_not_count_the_few_left_out(men_in_ontario):
    """Report A counts everyone by region; report B only women. Ontario's men are the
    difference of the two Ontario cells, unless B hides its Ontario cell (rule 2), and
    B's line then hides another so B's total does not give Ontario back (rule 3)."""
    people = (
        [{"region": "ON", "sex": "f"}] * 30 + [{"region": "ON", "sex": "m"}] * men_in_ontario
        + [{"region": "QC", "sex": "f"}] * 25 + [{"region": "QC", "sex": "m"}] * 30
        + [{"region": "BC", "sex": "f"}] * 18 + [{"region": "BC", "sex": "m"}] * 19
    )  # fmt: skip
    everyone = counted(people, ("region",))
    women = counted(people, ("region",), sex="f")
    shown_everyone = {k: n for k, n in everyone.items() if k not in hide(everyone, [0], k=K)}
    hidden = hide(women, [0], wider=[everyone], k=K)
    shown_women = {k: n for k, n in women.items() if k not in hidden}
    assert ("ON",) in hidden

    # The attacker knows every shown number of both reports and that women are at most
    # everyone in each region; every way to fill B's hidden cells is worth trying.
    unknown = [k for k in women if k not in shown_women]
    possible = set()
    for guess in itertools.product(*[range(shown_everyone[k] + 1) for k in unknown]):
        filled = {**shown_women, **dict(zip(unknown, guess, strict=True))}
        if sum(filled[(r,)] for r in ("BC", "ON", "QC")) == filled[(TOTAL,)]:
            possible.add(shown_everyone[("ON",)] - filled[("ON",)])
    assert men_in_ontario in possible and len(possible) > 1, possible

    # Without rule 2, B would show Ontario's women, and the subtraction counts the men.
    unguarded = hide(women, [0], k=K)
    assert ("ON",) not in unguarded
    assert everyone[("ON",)] - women[("ON",)] == men_in_ontario


def test_percentiles_need_k_people_beyond_them_and_extremes_are_never_shown():
    assert percentile_shown(22, 0.5, K) and not percentile_shown(21, 0.5, K)
    assert percentile_shown(110, 0.1, K) and percentile_shown(110, 0.9, K)
    assert not percentile_shown(109, 0.9, K)
    assert not percentile_shown(10_000, 0.0, K) and not percentile_shown(10_000, 1.0, K)


def test_a_filter_offers_only_values_with_k_people():
    assert offered({"ON": 40, "PE": 3, "QC": 11, "YT": 0}, K) == ["ON", "QC"]
