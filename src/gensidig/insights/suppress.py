"""Small groups stay hidden: a pure rule over one breakdown, so it can be tested on its own.

A breakdown is a total split into cells; each cell has the figure shown (`value`) and the
number of people behind it (`people`). A figure is shown only when at least `threshold`
people stand behind it, and never so that subtracting shown figures from the shown total
gives away the figure of fewer than `threshold` people: when cells are hidden, the hidden
ones together must stand for nobody or for at least `threshold` people, so more cells are
hidden (the smallest first) until that holds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    value: int
    people: int


@dataclass(frozen=True)
class Shown:
    total: bool
    cells: tuple[bool, ...]


def effective_threshold(threshold: int) -> int:
    """The configured threshold, never below 3."""
    return max(int(threshold), 3)


def suppress(cells: list[Cell], *, total_people: int, threshold: int) -> Shown:
    """Which figures of the breakdown may be shown. `total_people` is the number of people
    behind the total (at least the sum of the cells' people when the cells do not overlap).
    A breakdown over nobody shows its zeros."""
    k = effective_threshold(threshold)
    if 0 < total_people < k:
        return Shown(total=False, cells=tuple(False for _ in cells))
    shown = [cell.people == 0 or cell.people >= k for cell in cells]

    def hidden_people() -> int:
        return sum(c.people for c, s in zip(cells, shown, strict=True) if not s)

    while 0 < hidden_people() < k:
        candidates = [
            i for i, (c, s) in enumerate(zip(cells, shown, strict=True)) if s and c.people > 0
        ]
        if not candidates:
            # Everything with people in it is already hidden; the total itself stands for at
            # least k people, so the hidden rest is the total.
            break
        smallest = min(candidates, key=lambda i: (cells[i].people, cells[i].value, i))
        shown[smallest] = False
    return Shown(total=True, cells=tuple(shown))


def shown_figure(people: int, *, threshold: int) -> bool:
    """A single figure (an average, a share, a score) is shown only over enough people."""
    return people >= effective_threshold(threshold)
