"""The pruned path (compiled scan, heaps, pricing) gives the dense path's optimum, gap 0."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

from gensidig.engine import candidates, parse_problem, scan, solve
from gensidig.engine.assign import SCALE
from gensidig.engine.model import Result
from gensidig.engine.synthetic import cohort


@pytest.mark.parametrize("k", [1, 3, 24])
def test_pruned_candidates_keep_certified_optimum(monkeypatch: pytest.MonkeyPatch, k: int) -> None:
    data = cohort(150, 120, seed=3)
    data["rules"]["candidates"] = k
    # Two who can pair with nobody: no shared language, and nothing to learn or teach.
    lone = {"side": "young", "languages": ["fi"], "shares": {"t01": 3}, "wants": {"t30": 2}}
    data["participants"] += [{"id": "lone-fi", **lone}, {"id": "lone-empty", "side": "young"}]
    dense = solve(parse_problem(data))
    assert {u.id for u in dense.unmatched if u.code == "no_feasible_partner"} == {
        "lone-fi",
        "lone-empty",
    }
    monkeypatch.setattr(candidates, "DENSE_PAIRS", 100)
    # Small blocks and several column ranges, so every boundary of the scan is crossed.
    monkeypatch.setattr(scan, "BLOCK", 16)
    monkeypatch.setattr(scan, "STEPS", 5)
    pruned = solve(parse_problem(data), seed=7)
    assert pruned.objective == dense.objective
    assert pruned.gap == 0.0
    assert pruned.bound == dense.bound
    # The full scan's reasons for the unmatched equal the dense path's pair-by-pair check.
    assert pruned.unmatched == dense.unmatched


def _dense_and_pruned(
    monkeypatch: pytest.MonkeyPatch,
    *,
    candidates_k: int,
    setting: tuple[str, int],
    seed: int = 3,
) -> tuple[Result, Result]:
    """One cohort solved densely, then on the pruned path (small blocks, ``candidates_k``
    candidates each) with one of ``engine.solve``'s settings changed."""
    data = cohort(150, 120, seed=seed)
    data["rules"]["candidates"] = candidates_k
    dense = solve(parse_problem(data))
    monkeypatch.setattr(candidates, "DENSE_PAIRS", 100)
    monkeypatch.setattr(scan, "BLOCK", 16)
    monkeypatch.setattr(importlib.import_module("gensidig.engine.solve"), *setting)
    return dense, solve(parse_problem(data), seed=7)


@pytest.mark.parametrize("delta", [0, 5_000, 10**12])
def test_pricing_that_looks_again_only_where_prices_fell_keeps_the_optimum(
    monkeypatch: pytest.MonkeyPatch, delta: int
) -> None:
    """Later pricing rounds look at a row again only against the columns whose price fell
    by more than ``DELTA`` since its last full look (all of them when that is 0, none
    when it is huge): the optimum and its certificate are the dense path's either way."""
    dense, pruned = _dense_and_pruned(monkeypatch, candidates_k=1, setting=("DELTA", delta))
    assert pruned.objective == dense.objective
    assert pruned.gap == 0.0
    assert pruned.bound == dense.bound
    info = pruned.stats["solver"]
    assert info["pricing_rounds"] >= 2
    # Later rounds gave some rows only the partial look (none when DELTA is huge).
    assert (info["priced_rows_full"] < info["priced_rows"]) == (delta < 10**12)


# Cohort 5 with DELTA 20,000 has a column whose price fell by less than DELTA while a
# row's reference moved: its ceiling must take that fall into account.
@pytest.mark.parametrize(("seed", "delta"), [(3, 5_000), (5, 20_000), (3, 50_000)])
def test_every_pricing_ceiling_bounds_the_pairs_left_out(
    monkeypatch: pytest.MonkeyPatch, seed: int, delta: int
) -> None:
    """After each pricing round, each row's ceiling bounds score - price, at the prices of
    the round it refers to, over every pair left out of the pool: after full looks, after
    partial ones, and where a partial look moved the row's reference to a later round."""
    solve_module = importlib.import_module("gensidig.engine.solve")
    original = solve_module._Looks.price_round
    moved: list[int] = []

    def checked(self: Any, idx: Any, lay: Any, rows: Any, cols: Any, *rest: Any) -> Any:
        before = self.ref.copy()
        found = original(self, idx, lay, rows, cols, *rest)
        moved.append(int(((before >= 0) & (self.ref != before)).sum()))
        scores = candidates.dense_exact(idx, rows, cols)
        keys = rows[:, None] * idx.n + cols[None, :]
        pool = np.r_[rest[-1][0], found[0] * idx.n + found[1]]
        left_out = ~np.isin(keys, pool) & (scores > 0)
        for q in np.flatnonzero(self.ref >= 0):
            excess = scores[q] - self.prices[self.ref[q]] / SCALE
            assert (excess[left_out[q]] <= self.ceiling[q] + 1e-9).all()
        return found

    monkeypatch.setattr(solve_module._Looks, "price_round", checked)
    dense, pruned = _dense_and_pruned(
        monkeypatch, candidates_k=1, setting=("DELTA", delta), seed=seed
    )
    assert pruned.bound == dense.bound
    # Partial looks moved some rows' references, and a later round relied on them.
    assert len(moved) >= 3
    assert sum(moved[1:]) > 0


@pytest.mark.parametrize("share", [1.0, 0.0])
@pytest.mark.parametrize("mode", ["reverse", "mutual"])
def test_resolves_from_the_last_optimum_keep_the_dense_optimum(
    monkeypatch: pytest.MonkeyPatch, mode: str, share: float
) -> None:
    """After the first solve, each solve starts from the last optimum and its potentials
    (``flow.resolve_duals``, used above ``COMPILED_ARCS`` edges: here always), unless more
    than ``REPAIR_SHARE`` of the rows have a broken dual (with 0: every time)."""
    data = cohort(150, 120, seed=4, mode=mode)
    data["rules"].update(candidates=2, exact_limit=0)
    dense = solve(parse_problem(data))
    monkeypatch.setattr(candidates, "DENSE_PAIRS", 100)
    monkeypatch.setattr(scan, "BLOCK", 16)
    assign_module = importlib.import_module("gensidig.engine.assign")
    monkeypatch.setattr(assign_module, "COMPILED_ARCS", 0)
    monkeypatch.setattr(assign_module, "REPAIR_SHARE", share)
    flow = importlib.import_module("gensidig.engine.flow")
    calls = []
    warm = flow.resolve_duals

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return warm(*args, **kwargs)

    monkeypatch.setattr(flow, "resolve_duals", counted)
    pruned = solve(parse_problem(data), seed=7)
    # The later solves went through the warm start, or (share 0) all started afresh.
    assert bool(calls) == (share > 0)
    if mode == "reverse":
        assert pruned.objective == dense.objective
        assert pruned.bound == dense.bound
        assert pruned.gap == 0.0
    else:
        # Past exact_limit the pool is split from the doubled solution: the bound is the
        # certified one of the doubled graph either way.
        assert pruned.bound == dense.bound
        assert pruned.bound >= pruned.objective


@pytest.mark.parametrize("drop", [1, 20_000, 10**12])
def test_shrinking_the_active_graph_after_each_pricing_keeps_the_optimum(
    monkeypatch: pytest.MonkeyPatch, drop: int
) -> None:
    """Edges further than ``DROP`` below profitable leave the active graph after the first
    solve and after each pricing round, and come back when they turn profitable: however
    far the cut (1 micro-point: nearly everything leaves; 10**12: nothing does), the
    optimum and its certificate are the dense path's."""
    dense, pruned = _dense_and_pruned(monkeypatch, candidates_k=2, setting=("DROP", drop))
    assert pruned.objective == dense.objective
    assert pruned.bound == dense.bound
    assert pruned.gap == 0.0
    assert pruned.stats["solver"]["pricing_rounds"] >= 1
    if drop == 1:
        # Edges cut away turned profitable again and came back without pricing.
        assert pruned.stats["solver"]["active_rounds"] >= 1


def test_mutual_large_path_reports_small_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    data = cohort(120, 120, seed=5, mode="mutual")
    data["rules"]["exact_limit"] = 0
    result = solve(parse_problem(data))
    assert result.gap < 0.02
    assert result.bound >= result.objective


def test_small_problem_loads_neither_numba_nor_scipy_optimize() -> None:
    """Loading numba and scipy.optimize takes about a second; a 1,000-person run must not
    pay it (the benchmark's target is under a second end to end)."""
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    code = (
        f"import sys; sys.path.insert(0, {str(src)!r})\n"
        "from gensidig.engine import parse_problem, solve\n"
        "from gensidig.engine.synthetic import cohort\n"
        "solve(parse_problem(cohort(200, 200, seed=1)))\n"
        "print(sorted(m for m in ('numba', 'scipy.optimize') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_in_sorted_and_people_agree_with_numpy_set_operations(seed: int) -> None:
    """The pool's membership test and its people, written without numpy's sorts, give
    exactly what np.isin and np.union1d give (empty inputs included)."""
    import numpy as np

    solve_module = importlib.import_module("gensidig.engine.solve")
    rng = np.random.default_rng(seed)
    keys = np.unique(rng.integers(0, 500, size=300))
    subset = np.unique(np.r_[rng.choice(keys, size=40), rng.integers(500, 600, size=5)])
    assert solve_module._in_sorted(keys, subset).tolist() == np.isin(keys, subset).tolist()
    assert not solve_module._in_sorted(keys, subset[:0]).any()
    assert len(solve_module._in_sorted(keys[:0], subset)) == 0
    a, b = rng.integers(0, 80, size=50), rng.integers(0, 80, size=30)
    assert solve_module._people(80, a, b).tolist() == np.union1d(a, b).tolist()
    assert solve_module._people(80, a[:0], b[:0]).tolist() == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_first_of_each_agrees_with_numpy_unique(seed: int) -> None:
    """The first occurrence of each distinct key, found with an unstable sort, is what
    np.unique(return_index=True) gives: with many repeats, with sorted distinct keys (the
    pool, only checked), and for empty and single inputs."""
    rng = np.random.default_rng(seed)
    repeats = rng.integers(0, 50, size=400)
    pool = np.unique(rng.integers(0, 10**9, size=200))
    for keys in (repeats, pool, repeats[:1], repeats[:0], np.r_[pool, pool[::-1]]):
        expected = np.unique(keys, return_index=True)[1]
        assert candidates.first_of_each(keys).tolist() == expected.tolist()
