"""Small groups stay hidden across the whole dashboard, not only within a table: a total
shown in one table and the parts shown in another must not give a withheld figure away.

The check is the attacker's: every figure shown, every sum a table states (a total is the
sum of its rows) and what is known to be the same figure in several tables (the number of
pairs, the accepted proposals, those enrolled in a pair, the declined proposals that the
reasons split, the current health at the last point in time) are constraints; for each
withheld figure that stands for fewer than the threshold, the largest value it can have
under them (a linear program, figures being non-negative) must still be the threshold or
more, so nobody can tell that the group is small, let alone pin it down."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from gensidig.insights import queries
from gensidig.insights.suppress import Breakdown, Figure, suppress_linked
from gensidig.matching.models import Pair, Proposal, Round
from gensidig.meetings.models import Meeting, Reflection
from gensidig.programs.models import Side
from tests.factories import EnrolmentFactory, TopicFactory


@dataclass
class System:
    """Figures (value and people behind them), the equations between them (each a map of
    figure to coefficient, summing to zero) and which are shown."""

    value: dict[str, float] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    equations: list[dict[str, float]] = field(default_factory=list)
    shown: set[str] = field(default_factory=set)

    def figure(self, name: str, value: float, people: int, shown: bool) -> str:
        self.value[name] = value
        self.people[name] = people
        if shown:
            self.shown.add(name)
        return name

    def same(self, a: str, b: str, factor: float = 1.0) -> None:
        """a = factor * b."""
        self.equations.append({a: 1.0, b: -factor})

    def adds_up(self, total: str, parts: list[str]) -> None:
        equation: dict[str, float] = Counter()  # type: ignore[assignment]
        equation[total] += 1.0
        for part in parts:
            equation[part] -= 1.0
        self.equations.append(dict(equation))

    def leaks(self, k: int) -> list[str]:
        """The withheld figures over fewer than k people that can be shown to be under k."""
        names = list(self.value)
        index = {name: i for i, name in enumerate(names)}
        a_eq = np.zeros((max(len(self.equations), 1), len(names)))
        for row, equation in enumerate(self.equations):
            for name, coefficient in equation.items():
                a_eq[row, index[name]] += coefficient
        bounds = [(self.value[n], self.value[n]) if n in self.shown else (0, None) for n in names]
        found = []
        for name in names:
            people, value = self.people[name], self.value[name]
            if name in self.shown or not 0 < people < k:
                continue
            objective = np.zeros(len(names))
            objective[index[name]] = -1.0
            result = linprog(
                objective, A_eq=a_eq, b_eq=np.zeros(len(a_eq)), bounds=bounds, method="highs"
            )
            if result.status == 3:  # unbounded
                continue
            assert result.status == 0, result.message
            if -result.fun * people / value < k - 1e-6:
                found.append(f"{name}: at most {-result.fun:g}")
        return found


# The pure rule on the shape of the dashboard's linked tables: enrolment, proposals, the
# reasons of the declined ones, health, balance and health at several points in time.


@st.composite
def dashboard_shape(draw: Any) -> tuple[System, int]:
    k = draw(st.integers(min_value=3, max_value=6))
    pairs = draw(st.integers(min_value=0, max_value=9))

    def partition(size: int) -> list[int]:
        """How `pairs` pairs fall into `size` groups."""
        chosen = draw(st.lists(st.integers(0, size - 1), min_size=pairs, max_size=pairs))
        return [chosen.count(i) for i in range(size)]

    health = partition(5)
    points = [partition(6) for _ in range(draw(st.integers(0, 3)))]
    reasons = draw(st.lists(st.integers(0, 2), max_size=7))
    why = [reasons.count(i) for i in range(3)]
    waiting, contested = draw(st.integers(0, 4)), draw(st.integers(0, 3))
    invited, withdrawn, unmatched = (draw(st.integers(0, 7)) for _ in range(3))
    # Each table: its total's key, people per unit, and its cells as (key, count, fixed).
    # The same key is the same figure, as the dashboard names them.
    tables: dict[str, tuple[str, int, list[tuple[str, int, bool]]]] = {
        "enrolment": (
            "enrolment",
            1,
            [
                ("invited", invited, False),
                ("withdrawn", withdrawn, False),
                ("matched", 2 * pairs, True),
                ("unmatched", unmatched, False),
            ],
        ),
        "proposals": (
            "proposals",
            2,
            [
                ("accepted", pairs, True),
                ("declined", len(reasons), False),
                ("waiting", waiting, False),
                ("contested", contested, False),
            ],
        ),
        "declines": ("declined", 2, [(f"why.{i}", n, False) for i, n in enumerate(why)]),
        "health": ("pairs", 2, [(f"health.{i}", n, False) for i, n in enumerate(health)]),
        "balance": (
            "pairs",
            2,
            [(f"balance.{i}", n, False) for i, n in enumerate(partition(4))],
        ),
    }
    for t, counts in enumerate([*points, [*health, 0]]):
        # The last point is now: the current health, the same figures.
        last = t == len(points)
        tables[f"t{t}"] = (
            "pairs",
            2,
            [(f"health.{i}" if last else f"t{t}.{i}", n, False) for i, n in enumerate(counts)],
        )
    breakdowns = [
        Breakdown(
            Figure(total, factor * sum(n for _key, n, _fixed in cells), total == "pairs"),
            tuple(Figure(key, factor * n, fixed) for key, n, fixed in cells),
        )
        for total, factor, cells in tables.values()
    ]
    hidden = suppress_linked(breakdowns, threshold=k)

    system = System()
    first: dict[str, str] = {}  # the first occurrence of each key

    def add(name: str, key: str, value: int, people: int) -> str:
        system.figure(name, value, people, key not in hidden)
        if key in first:
            system.same(name, first[key])
        else:
            first[key] = name
        return name

    for table, (total, factor, cells) in tables.items():
        parts = [
            add(f"{table}[{i}]", key, n, factor * n) for i, (key, n, _fixed) in enumerate(cells)
        ]
        count = sum(n for _key, n, _fixed in cells)
        system.adds_up(add(f"{table}[total]", total, count, factor * count), parts)
    # What fixed means: known from the number of pairs.
    system.same("proposals[0]", "health[total]")
    system.same("enrolment[2]", "health[total]", 2.0)
    return system, k


@settings(max_examples=150, deadline=None)
@given(shape=dashboard_shape())
def test_suppress_linked_no_combination_across_tables_reveals_a_small_group(
    shape: tuple[System, int],
) -> None:
    system, k = shape
    assert system.leaks(k) == []


def test_suppress_linked_nested_breakdown_under_withheld_cell() -> None:
    """A total in one table that another splits: the cell y (one person) is withheld and x
    with it; x is split into p (five people) and q (one). Showing p would give away y + q =
    T - p = 2: so p is withheld too."""
    outer = Breakdown(Figure("T", 7), (Figure("x", 6), Figure("y", 1)))
    inner = Breakdown(Figure("x", 6), (Figure("p", 5), Figure("q", 1)))
    assert suppress_linked([outer, inner], threshold=5) == {"x", "y", "p", "q"}


def test_suppress_linked_fixed_cell_is_not_withheld_to_protect_another() -> None:
    """Those in a pair follow from the number of pairs shown elsewhere: withholding them
    would not protect the two invited, so the total is withheld instead."""
    enrolment = Breakdown(
        Figure("total", 14),
        (Figure("invited", 2), Figure("withdrawn", 0), Figure("matched", 12, fixed=True)),
    )
    assert suppress_linked([enrolment], threshold=5) == {"invited", "total"}


# The real dashboard on random programs.


def make_program(program: Any, data: Any) -> None:
    now = timezone.now()
    young_topic = TopicFactory(organisation=program.organisation)
    old_topic = TopicFactory(organisation=program.organisation)
    matching_round = Round.objects.create(program=program, number=1)
    for _i in range(data.draw(st.integers(0, 6), label="invited")):
        EnrolmentFactory(
            program=program, member=None, invited_email=f"{_i}@x.org", status="invited"
        )
    for _i in range(data.draw(st.integers(0, 3), label="withdrawn")):
        EnrolmentFactory(program=program, status="withdrawn")
    for status in data.draw(
        st.lists(st.sampled_from(["declined", "published", "contested"]), max_size=7),
        label="other proposals",
    ):
        Proposal.objects.create(
            round=matching_round,
            program=program,
            a=EnrolmentFactory(program=program),
            b=EnrolmentFactory(program=program, side=Side.EXPERIENCED),
            status=status,
            decline_reason=data.draw(st.sampled_from(["Travlt", "Kender hinanden", ""]))
            if status == "declined"
            else "",
        )
    kinds = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from([None, 5, 20, 35, 60]),  # days since the last meeting
                st.sampled_from(["none", "one_way", "both"]),
                st.booleans(),  # ended
                st.sampled_from([70, 40, 10]),  # days since the pair began
            ),
            max_size=9,
        ),
        label="pairs",
    )
    for met, learned, ended, began in kinds:
        young = EnrolmentFactory(program=program)
        old = EnrolmentFactory(program=program, side=Side.EXPERIENCED)
        proposal = Proposal.objects.create(
            round=matching_round, program=program, a=young, b=old, status="accepted"
        )
        pair = Pair.objects.create(
            program=program,
            a=young,
            b=old,
            proposal=proposal,
            created_at=now - timedelta(days=began),
            ended_at=now - timedelta(days=2) if ended else None,
        )
        if met is None or met >= began:
            continue
        meeting = Meeting.objects.create(
            pair=pair,
            proposed_by=young,
            starts_at=now - timedelta(days=met),
            minutes=60,
            status=Meeting.Status.CONFIRMED,
        )
        if learned != "none":
            Reflection.objects.create(
                meeting=meeting, author=old, learned_text="x", usefulness=4
            ).learned.set([young_topic])
        if learned == "both":
            Reflection.objects.create(
                meeting=meeting, author=young, learned_text="y", usefulness=4
            ).learned.set([old_topic])


def system_of(board: queries.Dashboard) -> System:
    """The attacker's constraints from what the dashboard shows, and what is known of how
    its tables hang together, independent of how the code names its figures."""
    system = System()
    tables = [t for t in board.tables if t.split is not None]
    assert board.series is not None
    points = board.series.points
    for table in [*tables, *points]:
        assert table.split is not None
        parts = [
            system.figure(f"{table.key}[{i}]", row.value, row.people, row.shown)
            for i, row in enumerate(table.rows)
        ]
        total = system.figure(
            f"{table.key}[total]", table.split.value, table.split.people, table.split.shown
        )
        system.adds_up(total, parts)
    pairs = sum(t.split.value for t in tables if t.key == "health")  # type: ignore[union-attr]
    current = next(row for row in board.comparison if row.current)
    pairs_figure = system.figure("P", pairs, 2 * pairs, current.shown)
    for key in ("health", "balance", *(p.key for p in points)):
        system.same(f"{key}[total]", pairs_figure)
    system.same("proposals[0]", pairs_figure)  # accepted proposals are the pairs
    system.same("enrolment[2]", pairs_figure, 2.0)  # one pair each
    system.same("proposals[1]", "declines[total]")
    for j in range(5 if points else 0):  # the last point is now
        system.same(f"{points[-1].key}[{j}]", f"health[{j}]")
    return system


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), k=st.integers(min_value=3, max_value=6))
def test_dashboard_no_shown_figures_across_tables_reveal_a_small_group(
    program: Any, data: Any, k: int
) -> None:
    with transaction.atomic(), override_settings(GENSIDIG_MIN_GROUP=k):
        make_program(program, data)
        board = queries.dashboard(program)
        assert system_of(board).leaks(k) == []
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_dashboard_contested_proposal_is_not_given_away_by_the_pairs(program: Any) -> None:
    """Six pairs and one contested proposal: withholding the accepted proposals would not
    protect it, since the six pairs are shown elsewhere; the other cells and the total are
    withheld instead."""
    from tests.insights.conftest import build_pairs

    pairs = build_pairs(program, 6)
    Proposal.objects.create(
        round=pairs[0].proposal.round,  # type: ignore[union-attr]
        program=program,
        a=EnrolmentFactory(program=program),
        b=EnrolmentFactory(program=program, side=Side.EXPERIENCED),
        status=Proposal.Status.CONTESTED,
    )
    board = queries.dashboard(program)
    proposals = board.table("proposals")
    assert [(r.value, r.shown) for r in proposals.rows] == [
        (6, True),
        (0, True),
        (0, True),
        (1, False),
    ]
    assert proposals.total is not None and not proposals.total.shown
    assert board.table("health").total.shown  # type: ignore[union-attr]
    assert system_of(board).leaks(5) == []
