"""Small groups stay hidden: a pure rule over one breakdown, so it can be tested on its own.

A breakdown is a total split into cells; each cell has the figure shown (`value`) and the
number of people behind it (`people`). A figure is shown only when at least `threshold`
people stand behind it, and never so that subtracting shown figures from the shown total
gives away the figure of fewer than `threshold` people: when cells are hidden, the hidden
ones together must stand for nobody or for at least `threshold` people, so more cells are
hidden (the smallest first) until that holds.

Tables of one page are linked: the same figure appears in several (the number of pairs, a
total that another table splits). `suppress_linked` applies the rule to all of them at once,
so that figures shown in different tables cannot be combined to give a small group away."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
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


@dataclass(frozen=True)
class Figure:
    """One figure of a linked breakdown. The same `key` in several breakdowns is the same
    figure (a total in one table that is a cell of another, or the number of pairs that
    several tables split): it is shown everywhere or nowhere. A `fixed` figure can be known
    from elsewhere (the number of pairs, say) whenever it stands for enough people, so it is
    never withheld only to protect another figure."""

    key: str
    people: int
    fixed: bool = False


@dataclass(frozen=True)
class Breakdown:
    total: Figure
    cells: tuple[Figure, ...]


def suppress_linked(breakdowns: Sequence[Breakdown], *, threshold: int) -> set[str]:
    """The keys of the figures to withhold across all the breakdowns of a page together, so
    that no combination of shown figures, within a table or across tables, gives away a
    group of fewer than `threshold` people.

    A figure over too few people is withheld everywhere it appears; a breakdown whose total
    stands for too few people is withheld whole. Then, in every breakdown, the withheld
    cells together must stand for nobody or for at least `threshold` people, or be all its
    cells with people in them; and a withheld total must have at least one withheld cell
    (else adding the cells gives it back). Until that holds everywhere, the smallest cell
    that no other table shows (then the smallest at all) is withheld too, which may in turn
    oblige other tables where that figure appears. A breakdown with nothing left to withhold
    but fixed figures withholds its total."""
    k = effective_threshold(threshold)
    hidden: set[str] = set()
    appearances: Counter[str] = Counter()
    for item in breakdowns:
        for figure in (item.total, *item.cells):
            appearances[figure.key] += 1
            if 0 < figure.people < k:
                hidden.add(figure.key)
        if 0 < item.total.people < k:
            hidden.update(cell.key for cell in item.cells)
    changed = True
    while changed:
        changed = False
        for item in breakdowns:
            with_people = [(i, c) for i, c in enumerate(item.cells) if c.people > 0]
            withheld = [c for _i, c in with_people if c.key in hidden]
            if len(withheld) == len(with_people):
                continue
            withheld_people = sum(c.people for c in withheld)
            total_hidden = item.total.key in hidden
            if withheld_people >= k or (withheld_people == 0 and not total_hidden):
                continue
            candidates = [(i, c) for i, c in with_people if c.key not in hidden and not c.fixed]
            if candidates:
                _i, smallest = min(
                    candidates, key=lambda ic: (appearances[ic[1].key], ic[1].people, ic[0])
                )
                hidden.add(smallest.key)
                changed = True
            elif not total_hidden and not item.total.fixed:
                hidden.add(item.total.key)
                changed = True
            # Otherwise only fixed figures are left: what is withheld here can only be
            # worked out from the withheld total.
    return hidden
