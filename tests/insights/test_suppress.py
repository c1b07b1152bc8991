"""Small groups stay hidden, whatever the figures."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gensidig.insights.suppress import Cell, effective_threshold, shown_figure, suppress


def test_suppress_total_under_threshold_hides_everything() -> None:
    shown = suppress([Cell(2, 2), Cell(2, 2)], total_people=4, threshold=5)
    assert shown.total is False and shown.cells == (False, False)


def test_suppress_one_small_cell_hides_the_smallest_other_too() -> None:
    shown = suppress([Cell(2, 2), Cell(12, 12), Cell(7, 7)], total_people=21, threshold=5)
    assert shown.total is True
    assert shown.cells == (False, True, False)


def test_suppress_zero_cells_are_shown() -> None:
    shown = suppress([Cell(0, 0), Cell(9, 9)], total_people=9, threshold=5)
    assert shown.cells == (True, True)


def test_effective_threshold_never_below_three() -> None:
    assert effective_threshold(1) == 3
    assert effective_threshold(7) == 7
    assert shown_figure(2, threshold=1) is False
    assert shown_figure(3, threshold=1) is True


@given(
    people=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=8),
    threshold=st.integers(min_value=0, max_value=10),
)
def test_suppress_no_shown_combination_reveals_a_small_group(
    people: list[int], threshold: int
) -> None:
    k = effective_threshold(threshold)
    total = sum(people)
    shown = suppress([Cell(n, n) for n in people], total_people=total, threshold=k)
    visible = [n for n, ok in zip(people, shown.cells, strict=True) if ok]
    hidden = [n for n, ok in zip(people, shown.cells, strict=True) if not ok]
    # Every figure one can read or derive is 0 or stands for at least k people: the shown
    # cells, the total, and the total minus any sum of shown cells (which is the sum of the
    # hidden cells plus the shown cells left out).
    derivable = set(visible)
    if shown.total:
        derivable.add(total)
        derivable.add(sum(hidden))
        # Subtracting any set of shown cells from the total: what remains always contains
        # all hidden cells, so it is at least their sum.
        assert sum(hidden) == 0 or sum(hidden) >= k
    else:
        assert hidden == people
    assert all(n == 0 or n >= k for n in derivable)
    # A hidden cell is never pinned down on its own: either the total is hidden, or at
    # least two cells with people in them are hidden.
    nonzero_hidden = [n for n in hidden if n > 0]
    assert not shown.total or len(nonzero_hidden) != 1
