"""Tile scores equal the reference scores; the pruned certificate covers every pair."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from engine_helpers import problems
from hypothesis import given

from gensidig.engine import assign, candidates, parse_problem, scan
from gensidig.engine.assign import SCALE
from gensidig.engine.index import build_index
from gensidig.engine.rules import feasible
from gensidig.engine.score import PART_NAMES, edge_parts
from gensidig.engine.solve import certified_assign
from gensidig.engine.synthetic import cohort
from gensidig.engine.tiles import TileScorer


def _sides(data: dict[str, Any]) -> tuple[Any, np.ndarray, np.ndarray, bool]:
    problem = parse_problem(data)
    idx = build_index(problem)
    # As in the solver: only people with room for a partner are rows or columns.
    room = idx.capacity > 0
    if problem.mode == "reverse":
        return idx, np.flatnonzero(idx.young & room), np.flatnonzero(~idx.young & room), False
    return idx, np.flatnonzero(room), np.flatnonzero(room), True


def _reference(idx: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Scores without the wish term, one pair at a time through ``edge_parts``."""
    a = np.repeat(rows, len(cols))
    b = np.tile(cols, len(rows))
    parts = edge_parts(idx, a, b)
    total = sum(parts[name] for name in PART_NAMES if name != "wish")
    return np.asarray(total).reshape(len(rows), len(cols))


@given(problems("reverse"))
def test_tile_scores_equal_reference_reverse(data: dict[str, Any]) -> None:
    _check_tiles(data)


@given(problems("mutual", max_side=4))
def test_tile_scores_equal_reference_mutual(data: dict[str, Any]) -> None:
    _check_tiles(data)


def _check_tiles(data: dict[str, Any]) -> None:
    idx, rows, cols, mutual = _sides(data)
    tiles = TileScorer(idx, rows, cols, mutual=mutual).dense().astype(np.float64)
    ref = _reference(idx, rows, cols)
    fr, fc = candidates.sparse_forbidden(idx, rows, cols)
    tiles[fr, fc] = -candidates.BIG
    allowed = feasible(idx, np.repeat(rows, len(cols)), np.tile(cols, len(rows)))
    allowed = allowed.reshape(len(rows), len(cols))
    # Every rule is either in the tiles (classes) or in the sparse list (single pairs).
    assert ((tiles > candidates.INFEASIBLE) == allowed).all()
    assert np.abs(tiles[allowed] - ref[allowed]).max(initial=0.0) < 1e-5


@pytest.mark.parametrize(("k", "seed"), [(1, 4), (2, 5), (6, 6)])
def test_certificate_covers_every_pruned_pair(
    monkeypatch: pytest.MonkeyPatch, k: int, seed: int
) -> None:
    """The duals with the row and column bounds cover all pairs, checked one by one."""
    monkeypatch.setattr(candidates, "DENSE_PAIRS", 100)
    monkeypatch.setattr(scan, "BLOCK", 16)
    monkeypatch.setattr(scan, "STEPS", 3)
    idx, rows, cols, _ = _sides(cohort(90, 80, seed=seed))
    cap = idx.capacity.copy()
    cands = candidates.generate(idx, rows, cols, k, seed=seed)
    # The bounds hold: every allowed pair outside the candidates scores at most both.
    dense = candidates.dense_exact(idx, rows, cols)
    inside = np.zeros_like(dense, dtype=np.bool_)
    rp = np.full(idx.n, -1)
    rp[rows] = np.arange(len(rows))
    cp = np.full(idx.n, -1)
    cp[cols] = np.arange(len(cols))
    inside[rp[cands.a], cp[cands.b]] = True
    out = np.isfinite(dense) & ~inside
    assert (dense <= cands.tau[:, None] + 1e-9)[out].all()
    assert (dense <= cands.tau_col[None, :] + 1e-9)[out].all()
    cert = certified_assign(
        idx, rows, cols, cap, cands, mutual=False, banned=np.zeros(0, dtype=np.int64)
    )
    u, v = cert.asg.u, cert.asg.v
    w_all = np.where(np.isfinite(dense), np.rint(dense * SCALE), 0)
    in_graph = np.zeros_like(inside)
    in_graph[rp[cert.a], cp[cert.b]] = True
    # Dual feasibility for every pair outside the solved graph; inside, its slack is paid.
    assert (w_all <= u[:, None] + v[None, :])[~in_graph].all()
    assert cert.extra == 0
    assert cert.bound == cert.asg.objective


@pytest.mark.parametrize(
    ("compiled", "subset", "run"),
    [(True, False, 32), (False, False, 32), (True, True, 32), (True, False, 3), (True, True, 2)],
)
def test_price_finds_every_violation(
    monkeypatch: pytest.MonkeyPatch, compiled: bool, subset: bool, run: int
) -> None:
    """The compiled scan (large problems) and numpy (small ones) find the same pairs, also
    when only some rows and columns are priced, and whether the runs of columns that
    share a bound are long or short (short runs skip more)."""
    monkeypatch.setattr(scan, "SUB", run)
    idx, rows, cols, _ = _sides(cohort(40, 35, seed=8))
    rng = np.random.default_rng(0)
    pr = np.arange(len(rows))[:: 2 if subset else 1]
    pc = np.arange(len(cols))[1::3] if subset else np.arange(len(cols))
    u = rng.uniform(0.2, 0.6, len(pr)).round(6)
    v = rng.uniform(0.0, 0.3, len(pc)).round(6)
    # Wished pairs are always candidates, so pricing never needs them (the tiles leave
    # the wish term out): they are passed as existing pairs.
    pairs = [(i, j) for i, j in idx.wish_rank] + [(j, i) for i, j in idx.wish_rank]
    wished = np.array([i * idx.n + j for i, j in pairs], dtype=np.int64)
    lay = scan.layout(idx, rows, cols, candidates.sparse_forbidden(idx, rows, cols), False)
    a, b, s, viol = candidates.price(
        idx,
        lay if compiled else None,
        rows,
        cols,
        pr,
        pc,
        u,
        v,
        per_row=1_000,
        existing=(np.unique(wished),),
    )
    sub_rows, sub_cols = rows[pr], cols[pc]
    dense = candidates.dense_exact(idx, sub_rows, sub_cols)
    w = np.where(np.isfinite(dense), np.rint(dense * SCALE), -1)
    expected = w > np.rint(u * SCALE)[:, None] + np.rint(v * SCALE)[None, :]
    rp = np.full(idx.n, -1)
    rp[sub_rows] = np.arange(len(sub_rows))
    cp = np.full(idx.n, -1)
    cp[sub_cols] = np.arange(len(sub_cols))
    for i, j in pairs:
        if rp[i] >= 0 and cp[j] >= 0:
            expected[rp[i], cp[j]] = False
    assert expected.sum() >= 5  # the case is not empty
    got = np.zeros_like(expected)
    got[rp[a], cp[b]] = True
    assert (got == expected).all()
    assert np.allclose(s, dense[rp[a], cp[b]])
    excess = np.where(expected, dense - u[:, None] - v[None, :], 0.0).max(axis=1)
    assert (viol >= excess - 1e-9).all()


def _check_top(scores: np.ndarray, picked: set[int], k: int) -> None:
    """``picked`` is a k best of the positive scores (float32 rounding aside)."""
    positive = {j for j in range(len(scores)) if scores[j] > 0}
    assert picked <= positive
    assert len(picked) == min(k, len(positive))
    rest = positive - picked
    if picked and rest:
        assert min(scores[j] for j in picked) >= max(scores[j] for j in rest) - 1e-6


@pytest.mark.parametrize(
    ("mode", "workers", "run"),
    [
        ("reverse", 1, 32),
        ("reverse", 3, 32),
        ("mutual", 2, 32),
        ("reverse", 2, 3),
        ("mutual", 1, 2),
    ],
)
def test_compiled_top_k_equals_dense_top_k(
    monkeypatch: pytest.MonkeyPatch, mode: str, workers: int, run: int
) -> None:
    """The heaps hold each row's and column's k best allowed pairs, whatever the number
    of threads and blocks, and however long the runs of columns that share a bound."""
    monkeypatch.setattr(scan, "BLOCK", 8)
    monkeypatch.setattr(scan, "SUB", run)
    monkeypatch.setattr(scan, "STEPS", 4)
    monkeypatch.setattr(scan, "WORKERS", workers)
    data = cohort(70, 60, seed=11, mode=mode)
    data["rules"].update(exclude_same_manager=True, different_department=mode == "reverse")
    idx, rows, cols, mutual = _sides(data)
    forbidden = candidates.sparse_forbidden(idx, rows, cols)
    ref = TileScorer(idx, rows, cols, mutual=mutual).dense()
    ref[forbidden] = -candidates.BIG
    lay = scan.layout(idx, rows, cols, forbidden, mutual)
    best = scan.top_k(lay, len(rows), len(cols), 5)
    for r in range(len(rows)):
        _check_top(ref[r], {int(j) for j in best.row_i[r] if j >= 0}, 5)
    for c in range(len(cols)):
        _check_top(ref[:, c], {int(i) for i in best.col_i[c] if i >= 0}, 5)
    got = best.row_s[best.row_i >= 0]
    want = ref[
        np.repeat(np.arange(len(rows)), 5)[best.row_i.ravel() >= 0], best.row_i[best.row_i >= 0]
    ]
    assert np.allclose(got, want, atol=1e-6)


def test_compiled_top_k_keeps_each_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each row and column keeps its own floor (the scan sees columns in its own order):
    its heap holds its k best above that floor, and placeholders at the floor."""
    monkeypatch.setattr(scan, "BLOCK", 8)
    monkeypatch.setattr(scan, "SUB", 3)
    idx, rows, cols, mutual = _sides(cohort(50, 45, seed=13))
    forbidden = candidates.sparse_forbidden(idx, rows, cols)
    ref = TileScorer(idx, rows, cols, mutual=mutual).dense()
    ref[forbidden] = -candidates.BIG
    rng = np.random.default_rng(3)
    floor_r = rng.uniform(0.2, 0.9, len(rows)).astype(np.float32)
    floor_c = rng.uniform(0.2, 0.9, len(cols)).astype(np.float32)
    lay = scan.layout(idx, rows, cols, forbidden, mutual)
    best = scan.top_k(lay, len(rows), len(cols), 4, floor_r=floor_r, floor_c=floor_c)
    for heaps_i, heaps_s, scores, floors in (
        (best.row_i, best.row_s, ref, floor_r),
        (best.col_i, best.col_s, ref.T, floor_c),
    ):
        for r in range(len(floors)):
            above = np.where(scores[r] > floors[r], scores[r], 0.0)
            _check_top(above, {int(j) for j in heaps_i[r] if j >= 0}, 4)
            assert np.all(heaps_s[r][heaps_i[r] < 0] == floors[r])


def test_compiled_top_k_same_whatever_the_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan, "BLOCK", 8)
    idx, rows, cols, mutual = _sides(cohort(60, 50, seed=12))
    lay = scan.layout(idx, rows, cols, candidates.sparse_forbidden(idx, rows, cols), mutual)
    results = []
    for workers in (1, 2, 3):
        monkeypatch.setattr(scan, "WORKERS", workers)
        results.append(scan.top_k(lay, len(rows), len(cols), 4))
    for other in results[1:]:
        for name in ("row_s", "row_i", "col_s", "col_i"):
            assert np.array_equal(getattr(results[0], name), getattr(other, name))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_potentials_equal_vectorised_ones(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Both Bellman-Ford passes find the same shortest distances, so the same duals."""
    rng = np.random.default_rng(seed)
    n_r, n_c, m = 60, 45, 400
    ea = rng.integers(0, n_r, m)
    eb = rng.integers(0, n_c, m)
    keep = np.unique(ea * n_c + eb, return_index=True)[1]
    ea, eb = ea[keep], eb[keep]
    w = rng.integers(1, 1_000_000, len(ea))
    cap_r = rng.integers(1, 3, n_r)
    cap_c = rng.integers(1, 4, n_c)
    chosen = assign.solve_flow(ea, eb, w, cap_r, cap_c)
    monkeypatch.setattr(assign, "COMPILED_ARCS", 10**9)
    u1, v1, _ = assign.potentials(ea, eb, w, chosen, cap_r, cap_c)
    monkeypatch.setattr(assign, "COMPILED_ARCS", 0)
    u2, v2, _ = assign.potentials(ea, eb, w, chosen, cap_r, cap_c)
    assert np.array_equal(u1, u2)
    assert np.array_equal(v1, v2)
    assert assign.dual_value(ea, eb, w, u2, v2, cap_r, cap_c) == int(w[chosen].sum())


def test_price_looks_again_at_rows_full_of_ties(monkeypatch: pytest.MonkeyPatch) -> None:
    """A row whose small heap fills with pairs tied at u + v (none violating) is scanned
    again with a larger heap, and no violation is invented."""
    # Look-alikes: every young person can pair with every experienced one equally well.
    young = {"side": "young", "languages": ["da"], "shares": {"ai": 3}, "wants": {"strategy": 2}}
    old = {
        "side": "experienced",
        "languages": ["da"],
        "shares": {"strategy": 3},
        "wants": {"ai": 2},
    }
    people = [{"id": f"y{i}", **young} for i in range(8)]
    people += [{"id": f"e{i}", **old} for i in range(9)]
    idx, rows, cols, _ = _sides({"mode": "reverse", "participants": people})
    dense = candidates.dense_exact(idx, rows, cols)
    w = np.where(np.isfinite(dense), np.rint(dense * SCALE), -1)
    # u = each row's best score, v = 0: the best pairs tie exactly at u + v.
    u = w.max(axis=1) / SCALE
    v = np.zeros(len(cols))
    lay = scan.layout(idx, rows, cols, candidates.sparse_forbidden(idx, rows, cols), False)
    caps: list[int] = []
    real = scan.price_rows

    def spy(*args: Any) -> Any:
        caps.append(args[-1])
        return real(*args)

    monkeypatch.setattr(scan, "price_rows", spy)
    pr, pc = np.arange(len(rows)), np.arange(len(cols))
    ties = (w == w.max(axis=1)[:, None]).sum(axis=1)
    assert ties.max() > 4  # some row has more tied pairs than its heap of 4 holds
    a, _, _, viol = candidates.price(idx, lay, rows, cols, pr, pc, u, v, per_row=1)
    assert len(a) == 0
    assert not viol.any()
    assert caps[0] == 4 and candidates.RECHECK_CAP in caps
    # One micro-point less for the first row: its tied best pairs now violate.
    u[0] -= 1 / SCALE
    a, _, s, viol = candidates.price(idx, lay, rows, cols, pr, pc, u, v, per_row=1)
    assert set(a.tolist()) == {int(rows[0])}
    assert np.rint(s[0] * SCALE) == w[0].max()
    assert viol[0] >= 1 / SCALE  # a bound on its violation (others get a loose one)
