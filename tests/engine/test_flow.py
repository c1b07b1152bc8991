"""The warm-started b-matching (flow.py) against OR-Tools: same objective, exact, every time."""

from __future__ import annotations

import numpy as np
import pytest

from gensidig.engine import assign, flow
from gensidig.engine.index import BoolArray, IntArray

Instance = tuple[IntArray, IntArray, IntArray, IntArray, IntArray]


def _instance(
    rng: np.random.Generator, n_r: int, n_c: int, n_e: int, cap_hi: int, levels: int
) -> Instance:
    """Distinct random pairs; ``levels`` weights only, so ties are common; the last row
    has no edge at all."""
    pairs = rng.choice((n_r - 1) * n_c, size=n_e, replace=False)
    ea = (pairs // n_c).astype(np.int64)
    eb = (pairs % n_c).astype(np.int64)
    w = rng.integers(1, levels + 1, size=n_e).astype(np.int64) * 1_000
    cap_r = rng.integers(1, cap_hi + 1, size=n_r).astype(np.int64)
    cap_c = rng.integers(1, cap_hi + 1, size=n_c).astype(np.int64)
    return ea, eb, w, cap_r, cap_c


def _grow(rng: np.random.Generator, inst: Instance, extra: int, levels: int) -> Instance:
    """The instance with up to ``extra`` new pairs, some of them better than any old edge."""
    ea, eb, w, cap_r, cap_c = inst
    n_r, n_c = len(cap_r), len(cap_c)
    old = set(zip(ea.tolist(), eb.tolist(), strict=True))
    new = [
        (a, b)
        for a, b in zip(
            rng.integers(0, n_r - 1, size=extra).tolist(),
            rng.integers(0, n_c, size=extra).tolist(),
            strict=True,
        )
        if (a, b) not in old
    ]
    new = list(dict.fromkeys(new))
    na = np.array([a for a, _ in new], dtype=np.int64)
    nb = np.array([b for _, b in new], dtype=np.int64)
    nw = rng.integers(1, 2 * levels + 1, size=len(new)).astype(np.int64) * 1_000
    return np.r_[ea, na], np.r_[eb, nb], np.r_[w, nw], cap_r, cap_c


def _assert_optimal(inst: Instance, chosen: BoolArray, u: IntArray, v: IntArray) -> None:
    ea, eb, w, cap_r, cap_c = inst
    best = assign.assign(ea, eb, w, cap_r, cap_c).objective
    assert int(w[chosen].sum()) == best
    assert (np.bincount(ea[chosen], minlength=len(cap_r)) <= cap_r).all()
    assert (np.bincount(eb[chosen], minlength=len(cap_c)) <= cap_c).all()
    assign.potentials(ea, eb, w, chosen, cap_r, cap_c)  # raises unless optimal
    # the duals returned are a certificate of their own: their bound is the objective
    assert (u >= 0).all() and (v >= 0).all()
    assert assign.dual_value(ea, eb, w, u, v, cap_r, cap_c) == best


def _cold(inst: Instance) -> tuple[BoolArray, IntArray, IntArray]:
    return flow.resolve_duals(*inst, *_cold_start(inst))


def test_resolve_cold_start_matches_ortools_exactly() -> None:
    rng = np.random.default_rng(1)
    for trial in range(30):
        inst = _instance(rng, 12 + trial % 7, 10 + trial % 5, 40 + trial, 1 + trial % 3, 4)
        _assert_optimal(inst, *_cold(inst))


def test_resolve_warm_start_after_new_edges_matches_ortools_exactly() -> None:
    rng = np.random.default_rng(2)
    for trial in range(40):
        cap_hi = 1 + trial % 3
        first = _instance(rng, 15 + trial % 6, 12 + trial % 4, 50 + trial, cap_hi, 5)
        before = assign.assign(*first)
        second = _grow(rng, first, 30, 5)
        ea, eb, w, cap_r, cap_c = second
        start = np.r_[before.chosen, np.zeros(len(ea) - len(first[0]), bool)]
        chosen, u, v = flow.resolve_duals(ea, eb, w, cap_r, cap_c, start, before.u, before.v)
        _assert_optimal(second, chosen, u, v)
        again, _, _ = flow.resolve_duals(ea, eb, w, cap_r, cap_c, start, before.u, before.v)
        assert (again == chosen).all()


def test_resolve_warm_start_after_dropping_unchosen_edges_matches_ortools_exactly() -> None:
    rng = np.random.default_rng(3)
    for trial in range(20):
        first = _instance(rng, 14, 11, 60, 1 + trial % 3, 3)
        before = assign.assign(*first)
        keep = before.chosen | (rng.random(len(first[0])) < 0.5)
        cut = tuple(a[keep] for a in first[:3]) + first[3:]
        second = _grow(rng, cut, 25, 3)  # type: ignore[arg-type]
        start = np.r_[before.chosen[keep], np.zeros(len(second[0]) - int(keep.sum()), bool)]
        _assert_optimal(second, *flow.resolve_duals(*second, start, before.u, before.v))


def test_resolve_arbitrary_start_still_matches_ortools_exactly() -> None:
    """Any feasible start and any potentials give the optimum (only the time differs)."""
    rng = np.random.default_rng(4)
    for trial in range(30):
        inst = _instance(rng, 13, 12, 55, 1 + trial % 3, 4)
        ea, eb, _, cap_r, cap_c = inst
        start = np.zeros(len(ea), bool)
        load_r = np.zeros(len(cap_r), np.int64)
        load_c = np.zeros(len(cap_c), np.int64)
        for e in rng.permutation(len(ea)):
            if rng.random() < 0.5 and load_r[ea[e]] < cap_r[ea[e]] and load_c[eb[e]] < cap_c[eb[e]]:
                start[e] = True
                load_r[ea[e]] += 1
                load_c[eb[e]] += 1
        u0 = rng.integers(0, 6_000, size=len(cap_r)).astype(np.int64)
        v0 = rng.integers(0, 6_000, size=len(cap_c)).astype(np.int64)
        _assert_optimal(inst, *flow.resolve_duals(*inst, start, u0, v0))


def test_resolve_same_input_gives_identical_output() -> None:
    rng = np.random.default_rng(5)
    inst = _instance(rng, 30, 25, 200, 3, 2)
    first = _cold(inst)[0]
    for _ in range(3):
        again = _cold(inst)[0]
        assert again.dtype == np.bool_
        assert (again == first).all()


def _cold_start(inst: Instance) -> tuple[BoolArray, IntArray, IntArray]:
    ea, _, _, cap_r, cap_c = inst
    return (
        np.zeros(len(ea), bool),
        np.zeros(len(cap_r), np.int64),
        np.zeros(len(cap_c), np.int64),
    )


def test_resolve_no_edges_returns_empty() -> None:
    cap = np.ones(3, np.int64)
    empty = np.zeros(0, np.int64)
    chosen = _cold((empty, empty, empty, cap, cap))[0]
    assert chosen.shape == (0,)


def test_carry_over_previous_chosen_finds_pairs_in_new_list() -> None:
    prev_ea = np.array([0, 1, 2], np.int64)
    prev_eb = np.array([1, 0, 2], np.int64)
    prev_chosen = np.array([True, True, False])
    ea = np.array([2, 1, 0, 0], np.int64)
    eb = np.array([2, 0, 0, 1], np.int64)
    carried = flow.carry_over(prev_ea, prev_eb, prev_chosen, ea, eb)
    assert carried.tolist() == [False, True, False, True]


def test_resolve_potentials_of_another_size_are_refused() -> None:
    rng = np.random.default_rng(6)
    ea, eb, w, cap_r, cap_c = _instance(rng, 12, 10, 40, 2, 3)
    start = np.zeros(len(ea), bool)
    with pytest.raises(ValueError, match="do not fit"):
        flow.resolve_duals(ea, eb, w, cap_r, cap_c, start, np.zeros(3, np.int64), cap_c * 0)
