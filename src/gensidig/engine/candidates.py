"""Candidate pairs for the solver, with bounds on every pair left out.

Small problems (up to ``DENSE_PAIRS`` pairs) are scored at once in numpy
(``tiles.TileScorer``); large ones by the compiled scan (``scan.py``), which bounds runs
of like columns and scores only the runs that can beat a row's threshold. The thresholds
start from exact scores against a random sample, so a row keeps about twice its ``k``
best in view, and rise as its heap fills.

Of the pairs that pass every rule, each row keeps its ``k`` best and each column
its ``k`` best: the candidates are the union, so a person whom nobody ranks high still
has the partners that suit them best. Wished pairs are always candidates. Then

- ``tau[a]``: no pair of row a outside the candidates scores more, and
- ``tau_col[b]``: no pair of column b outside the candidates scores more,

because a pair left out was beaten by its row's heap and by its column's (whose worst
entries, or floors, are these bounds). The solver's dual potentials plus these bounds certify the
optimum over all pairs, not just the candidates (see ``solve.certified_assign``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .assign import SCALE
from .index import F32Array, FloatArray, Index, IntArray
from .rules import feasible
from .score import BIG, _wish_table, edge_scores, tz_table
from .tiles import SLACK, TileScorer

if TYPE_CHECKING:
    from .scan import Layout

DENSE_PAIRS = 4_000_000
SPARE_K = 8  # per row, its best among the columns a greedy matching leaves places in
RECHECK_ROWS = 2_048  # rows looked at again at a time, each keeping RECHECK_CAP pairs
RECHECK_CAP = 4_096
INFEASIBLE = -BIG / 2

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class Candidates:
    a: IntArray  # global index of the row person
    b: IntArray  # global index of the column person
    score: FloatArray
    tau: FloatArray  # per row position: bound on pairs left out (-inf: none left out)
    tau_col: FloatArray  # per column position: the same for columns
    pairs_scanned: int
    exact_scored: int  # pairs that survived the thresholds
    # Per edge: ``score`` is exact; otherwise it is an upper bound (float32 + SLACK).
    exact: npt.NDArray[np.bool_] | None = None
    # The compiled scan's arrays, kept for pricing (built on demand for small problems).
    layout: Layout | None = None
    # After a full scan: the people with at least one allowed pair that learns something.
    reachable: IntArray | None = None


def first_of_each(keys: IntArray) -> IntArray:
    """The index of each distinct key's first occurrence, in order of the keys: what
    ``np.unique(keys, return_index=True)`` returns, without its stable sort (a third of
    the time at the 5.6 million keys of a 100k scan). Already sorted, distinct keys (the
    candidates' pool) are only checked."""
    if len(keys) < 2 or (keys[1:] > keys[:-1]).all():
        return np.arange(len(keys), dtype=np.int64)
    order = np.argsort(keys)
    ks = keys[order]
    starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
    # Equal keys may come in any order from the unstable sort: the least index is first.
    return np.minimum.reduceat(order, starts).astype(np.int64)


def dense_exact(idx: Index, rows: IntArray, cols: IntArray) -> FloatArray:
    """Exact scores of all pairs rows x cols; -inf where a rule breaks or nothing is learnt."""
    w = idx.problem.rules.weights
    x = idx.shares[rows].astype(np.float64) @ idx.wants_norm[cols].astype(np.float64).T
    y = idx.wants_norm[rows].astype(np.float64) @ idx.shares[cols].astype(np.float64).T
    total = x + y
    beta = w.one_sided
    h = np.divide(2.0 * x * y, total, out=np.zeros_like(total), where=total > 0)
    s = w.learning * ((1.0 - beta) * h + beta * total / 2.0)
    da, dc = idx.dept[rows][:, None], idx.dept[cols][None, :]
    s += w.cross_department * ((da >= 0) & (dc >= 0) & (da != dc))
    table = tz_table(idx)
    s += w.timezone * table[idx.tz_class[rows][:, None], idx.tz_class[cols][None, :]]
    if idx.wish_rank:
        keys, vals = _wish_table(idx)
        rpos = np.full(idx.n, -1, dtype=np.int64)
        rpos[rows] = np.arange(len(rows))
        cpos = np.full(idx.n, -1, dtype=np.int64)
        cpos[cols] = np.arange(len(cols))
        wisher, wished = keys // idx.n, keys % idx.n
        # A wish counts for the pair whichever of the two is the row.
        for p, q in ((wisher, wished), (wished, wisher)):
            sel = (rpos[p] >= 0) & (cpos[q] >= 0)
            np.add.at(s, (rpos[p[sel]], cpos[q[sel]]), w.wish * vals[sel] / 2.0)
    aa = np.repeat(rows, len(cols))
    bb = np.tile(cols, len(rows))
    ok = feasible(idx, aa, bb).reshape(len(rows), len(cols)) & (total > 0)
    s[~ok] = -np.inf
    return s


def _wish_edges(idx: Index, rows: IntArray, cols: IntArray) -> tuple[IntArray, IntArray]:
    in_rows = np.zeros(idx.n, dtype=np.bool_)
    in_cols = np.zeros(idx.n, dtype=np.bool_)
    in_rows[rows] = True
    in_cols[cols] = True
    pa: list[int] = []
    pb: list[int] = []
    for p, q in idx.wish_rank:
        for x, y in ((p, q), (q, p)):
            if in_rows[x] and in_cols[y] and x != y:
                pa.append(x)
                pb.append(y)
    return np.array(pa, dtype=np.int64), np.array(pb, dtype=np.int64)


def exact_edges(idx: Index, a: IntArray, b: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    """The allowed pairs among (a, b) that learn something, with their exact scores."""
    ok = feasible(idx, a, b)
    a, b = a[ok], b[ok]
    s, learns = edge_scores(idx, a, b)
    keep = learns & (s > 0)
    return a[keep], b[keep], s[keep]


def generate(
    idx: Index,
    rows: IntArray,
    cols: IntArray,
    k: int,
    *,
    seed: int = 0,
    mutual: bool = False,
    progress: Progress | None = None,
) -> Candidates:
    """Candidate edges rows x cols (global indices) with the bounds ``tau``, ``tau_col``.

    The compiled scan finds each row's and column's k best (by float32 score, then
    position) above a floor estimated from a sample (``seed`` picks it; the objective
    does not depend on it)."""
    n_r, n_c = len(rows), len(cols)
    k = max(1, k)
    if n_r == 0 or n_c == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(
            empty,
            empty,
            np.zeros(0),
            np.full(n_r, -np.inf),
            np.full(n_c, -np.inf),
            0,
            0,
            np.zeros(0, dtype=np.bool_),
        )
    if n_r * n_c <= DENSE_PAIRS:
        return _dense(idx, rows, cols, k, mutual)
    from . import scan

    lay = scan.layout(idx, rows, cols, sparse_forbidden(idx, rows, cols), mutual)
    # Each side's floors from a sample of the other, cut from the layouts at hand.
    floor_r = scan.row_floors(lay, n_r, k, seed=seed)
    floor_c = floor_r if lay.columns is None else scan.row_floors(lay.columns, n_c, k, seed=seed)
    best = scan.top_k(lay, n_r, n_c, k, progress, floor_r=floor_r, floor_c=floor_c)
    # A heap left out only pairs scoring at most its worst entry (a placeholder at the
    # floor where it found fewer than k above it).
    th_r = best.row_s.min(axis=1).astype(np.float64)
    th_c = best.col_s.min(axis=1).astype(np.float64)
    ri = np.r_[np.repeat(np.arange(n_r), best.row_i.shape[1]), best.col_i.reshape(-1)]
    ci = np.r_[best.row_i.reshape(-1), np.repeat(np.arange(n_c), best.col_i.shape[1])]
    s32 = np.r_[best.row_s.reshape(-1), best.col_s.reshape(-1)]
    ok = (ri >= 0) & (ci >= 0)
    ri, ci, s32 = ri[ok].astype(np.int64), ci[ok].astype(np.int64), s32[ok]
    if not mutual:
        # The best partners of a row are often everyone's best, and full: pricing would
        # find the row's best among columns with places free, but only after a whole
        # solve. Columns a greedy matching of the pool leaves with places are likely to
        # keep them: each row's few best among those join now (more candidates never
        # weaken the bounds).
        order = np.argsort(-s32, kind="stable")
        load = scan.greedy_load(order, ri, ci, idx.capacity[rows], idx.capacity[cols])
        spare = np.flatnonzero(load < idx.capacity[cols])
        if len(spare) and SPARE_K > 0:
            # The scan's layout cut down to those columns (its positions map back to cols).
            inv = np.empty_like(lay.perm)
            inv[lay.perm] = np.arange(len(lay.perm))
            sub = scan.sub_layout(lay, np.sort(inv[spare]))
            kk = min(SPARE_K, len(spare))
            # A floor from a sample lets the scan skip most runs (a row whose few best
            # fall under it just gets fewer of these extra candidates).
            floor = scan.row_floors(sub, n_r, kk, seed=seed)
            more = scan.top_k(sub, n_r, len(spare), kk, floor_r=floor)
            got = more.row_i >= 0
            ri = np.r_[ri, np.repeat(np.arange(n_r), more.row_i.shape[1])[got.ravel()]]
            ci = np.r_[ci, more.row_i[got]]
            s32 = np.r_[s32, more.row_s[got]]
    first = first_of_each(ri * n_c + ci)
    ri, ci, s32 = ri[first], ci[first], s32[first]
    # The scan applies every rule; checking again costs little and keeps the promise
    # that no candidate breaks one (a pair dropped here only leaves the bounds looser).
    ok = feasible(idx, rows[ri], cols[ci])
    ri, ci, s32 = ri[ok], ci[ok], s32[ok]
    out = _finish(idx, rows, cols, rows[ri], cols[ci], th_r + SLACK, th_c + SLACK, len(ri), s32)
    out.layout = lay
    # A heap with an entry, or a floor above 0 (the sample found such pairs), means yes.
    has_r = (best.row_i >= 0).any(axis=1) | (floor_r > 0)
    has_c = (best.col_i >= 0).any(axis=1) | (floor_c > 0)
    out.reachable = np.union1d(rows[has_r], cols[has_c])
    return out


def sparse_forbidden(idx: Index, rows: IntArray, cols: IntArray) -> tuple[IntArray, IntArray]:
    """Positions (row, column) of pairs ruled out by rules on single pairs: reporting
    lines, same manager, blocks, repeats and exclusions (the class rules are in the
    tiles)."""
    r = idx.problem.rules
    n = idx.n
    people = np.arange(n, dtype=np.int64)
    pa: list[IntArray] = []
    pb: list[IntArray] = []
    ancestors = [idx.anc1, idx.anc2][: max(0, min(2, r.reporting_line_depth))]
    for anc in ancestors:
        sel = (anc >= 0) & (anc < n)
        pa += [people[sel], anc[sel]]
        pb += [anc[sel], people[sel]]
    if r.exclude_same_manager and (idx.anc1 >= 0).any():
        managed = np.flatnonzero(idx.anc1 >= 0)
        order = managed[np.argsort(idx.anc1[managed], kind="stable")]
        boss = idx.anc1[order]
        starts = np.flatnonzero(np.r_[True, boss[1:] != boss[:-1]]) if len(boss) else order
        for lo, hi in zip(starts, np.r_[starts[1:], len(order)], strict=True):
            team = order[lo:hi]
            pa.append(np.repeat(team, len(team)))
            pb.append(np.tile(team, len(team)))
    if len(idx.forbid_keys):
        pa.append(idx.forbid_keys // n)
        pb.append(idx.forbid_keys % n)
    if not pa:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    a, b = np.concatenate(pa), np.concatenate(pb)
    rp = np.full(n, -1, dtype=np.int64)
    rp[rows] = np.arange(len(rows))
    cp = np.full(n, -1, dtype=np.int64)
    cp[cols] = np.arange(len(cols))
    ok = (rp[a] >= 0) & (cp[b] >= 0)
    return rp[a[ok]], cp[b[ok]]


def _dense(idx: Index, rows: IntArray, cols: IntArray, k: int, mutual: bool) -> Candidates:
    """Small problems: all scores at once, each row's and column's k best kept."""
    n_r, n_c = len(rows), len(cols)
    o = TileScorer(idx, rows, cols, mutual=mutual).dense()
    fr, fc = sparse_forbidden(idx, rows, cols)
    o[fr, fc] = -BIG
    allowed = o > INFEASIBLE
    kept = np.zeros((n_r, n_c), dtype=np.bool_)
    kr, kc = min(k, n_c), min(k, n_r)
    best_c = np.argpartition(-o, kr - 1, axis=1)[:, :kr]
    kept[np.arange(n_r)[:, None], best_c] = True
    best_r = np.argpartition(-o, kc - 1, axis=0)[:kc, :]
    kept[best_r, np.arange(n_c)[None, :]] = True
    kept &= allowed
    rest = np.where(kept | ~allowed, np.float32(-BIG), o)
    tau = rest.max(axis=1).astype(np.float64)
    tau_col = rest.max(axis=0).astype(np.float64)
    tau = np.where(tau > INFEASIBLE, tau + SLACK, -np.inf)
    tau_col = np.where(tau_col > INFEASIBLE, tau_col + SLACK, -np.inf)
    ri, ci = np.nonzero(kept)
    return _finish(idx, rows, cols, rows[ri], cols[ci], tau, tau_col, int(allowed.sum()))


def _finish(
    idx: Index,
    rows: IntArray,
    cols: IntArray,
    a: IntArray,
    b: IntArray,
    tau: FloatArray,
    tau_col: FloatArray,
    survivors: int,
    estimate: F32Array | None = None,
) -> Candidates:
    """Add the wished pairs and order the candidates.

    Without ``estimate`` every candidate is scored exactly now. With it (float32 scores
    of pairs that pass every rule), a candidate keeps ``estimate + SLACK``, an upper bound,
    until the solver needs its exact score (see ``exact_scores``); wished pairs, whose wish
    term the tiles leave out, are scored exactly at once.
    """
    wa, wb = _wish_edges(idx, rows, cols)
    n = idx.n
    if estimate is None:
        if len(wa):
            a, b = np.r_[a, wa], np.r_[b, wb]
            first = first_of_each(a * n + b)
            a, b = a[first], b[first]
        a, b, s = exact_edges(idx, a, b)
        exact = np.ones(len(a), dtype=np.bool_)
    else:
        s = estimate.astype(np.float64) + SLACK
        exact = np.zeros(len(a), dtype=np.bool_)
        if len(wa):
            wa, wb, ws = exact_edges(idx, wa, wb)
            wished = np.isin(a * n + b, wa * n + wb)
            a, b, s, exact = a[~wished], b[~wished], s[~wished], exact[~wished]
            a, b, s = np.r_[a, wa], np.r_[b, wb], np.r_[s, ws]
            exact = np.r_[exact, np.ones(len(wa), dtype=np.bool_)]
    # The pairs are distinct and nearly in order already (the scan's come sorted, the
    # wished ones follow): a stable sort of their keys is near linear, lexsort is not.
    order = np.argsort(a * idx.n + b, kind="stable")
    return Candidates(
        a[order],
        b[order],
        s[order],
        tau,
        tau_col,
        len(rows) * len(cols),
        survivors,
        exact[order],
    )


def exact_scores(idx: Index, a: IntArray, b: IntArray) -> FloatArray:
    """Exact scores of pairs that pass every rule; 0 where nothing is learnt."""
    s, learns = edge_scores(idx, a, b)
    return np.where(learns & (s > 0), s, 0.0)


def member(keys: IntArray, sorted_sets: tuple[IntArray, ...]) -> npt.NDArray[np.bool_]:
    """Whether each key is in any of the sorted arrays."""
    hit = np.zeros(len(keys), dtype=np.bool_)
    for table in sorted_sets:
        if len(table):
            pos = np.minimum(np.searchsorted(table, keys), len(table) - 1)
            hit |= table[pos] == keys
    return hit


def price(
    idx: Index,
    lay: Layout | None,
    rows: IntArray,
    cols: IntArray,
    pr: IntArray,
    pc: IntArray,
    u: FloatArray,
    v: FloatArray,
    *,
    per_row: int = 32,
    existing: tuple[IntArray, ...] = (),
    near: float = 0.0,
    ceiling: FloatArray | None = None,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Pairs (a in rows[pr], b in cols[pc]) whose score exceeds u[a] + v[b]: the
    certificate's gaps.

    ``lay`` is the compiled scan's layout of ``rows`` x ``cols`` (None for a small problem:
    it is then scored at once in numpy, as mutual pools too); ``u`` and ``v`` are per
    entry of ``pr`` and ``pc``. Pairs in ``existing`` (sorted arrays of keys a * n + b) are
    skipped. Returns up to ``per_row`` such edges per row (the most violated first, scored
    exactly; global indices) and, per row, a bound on its largest violation (0 where
    none): the float32 excess plus SLACK. With ``near`` > 0, pairs up to that much short
    of violating come too (after the violating ones): they are likely to violate once the
    duals move.

    ``ceiling`` (one entry per row of ``pr``), when given, receives a bound on score - v[b]
    over the row's pairs with ``pc`` that are neither returned nor in ``existing``: once
    the returned pairs join the candidates, no pair left out of them exceeds it at these
    prices, so later duals need look again only where that bound or the prices moved
    (``solve.certified_assign``).
    """

    viol = np.zeros(len(pr))
    empty = np.zeros(0, dtype=np.int64)
    if len(pr) == 0 or len(pc) == 0:
        return empty, empty, np.zeros(0), viol
    cap = 4 * per_row
    thr = u - SLACK - near
    thr32 = thr.astype(np.float32)
    sub_rows, sub_cols = rows[pr], cols[pc]
    in_pc = np.full(len(cols), -1, dtype=np.int64)
    in_pc[pc] = np.arange(len(pc))
    if lay is None:
        # A small problem: every pair at once in numpy (numba would take longer to load).
        o = TileScorer(idx, sub_rows, sub_cols).dense()
        fr0, fc0 = sparse_forbidden(idx, sub_rows, sub_cols)
        o[fr0, fc0] = -BIG
        o -= v.astype(np.float32)[None, :]
        o -= thr32[:, None]
        ri, ci = np.nonzero(o > 0)
        other = sub_rows[ri] != sub_cols[ci]
        ri, ci = ri[other], ci[other]
        excess = o[ri, ci]
        full = np.zeros(len(pr), dtype=np.bool_)
        dropped = np.zeros(len(pr), dtype=np.float32)
    else:
        from . import scan  # numba: only large problems load it

        heap_s, heap_i = scan.price_rows(lay, pr, pc, thr, v, len(cols), cap)
        # A full heap dropped pairs whose excess is at most its worst entry's.
        full = (heap_i >= 0).all(axis=1)
        dropped = np.where(full, heap_s.min(axis=1) - thr32, np.float32(0.0))
        q, slot = np.nonzero(heap_i >= 0)
        excess = heap_s[q, slot] - thr32[q]
        ri, ci = q.astype(np.int64), in_pc[heap_i[q, slot].astype(np.int64)]
    # Pairs already in the graph are paid for by the dual value's per-edge slack.
    new = ~member(sub_rows[ri] * idx.n + sub_cols[ci], existing)
    # Every new pair above the threshold, kept for the ceiling (``ri``, ``ci`` are cut).
    all_ri, all_ci, all_excess = ri[new], ci[new], excess[new]
    ri, ci, excess = all_ri, all_ci, all_excess
    # ``excess`` is float32 score - v - (u - SLACK - near); the violation is about
    # excess - SLACK - near, so excess - near (at least 0) bounds it with room to spare.
    np.maximum.at(viol, ri, np.maximum(excess.astype(np.float64) - near, 0.0))
    viol = np.maximum(viol, dropped.astype(np.float64) - near)
    viol = np.where(viol > 0, viol + SLACK, 0.0)
    a, b, s = _violations(idx, sub_rows, sub_cols, u, v, ri, ci, 0.0)
    hit = np.zeros(len(pr), dtype=np.bool_)
    hit[positions(idx.n, sub_rows)[a]] = True
    # A full heap with no exact violation in it may have dropped one (many pairs can tie
    # within float32 rounding of u + v): look at those rows again, keeping every pair
    # that could violate, in a far larger heap; a row that fills even that is scored
    # pair by pair.
    cut = np.flatnonzero(full & (dropped > near + SLACK / 2) & ~hit)
    for lo in range(0, len(cut), RECHECK_ROWS):
        assert lay is not None  # only heaps fill up
        from . import scan

        part = cut[lo : lo + RECHECK_ROWS]
        _, hi_ = scan.price_rows(lay, pr[part], pc, u[part] - SLACK, v, len(cols), RECHECK_CAP)
        q2, slot2 = np.nonzero(hi_ >= 0)
        fr, fc = part[q2], in_pc[hi_[q2, slot2].astype(np.int64)]
        every = part[(hi_ >= 0).all(axis=1)]
        if len(every):
            fr = np.r_[fr, np.repeat(every, len(pc))]
            fc = np.r_[fc, np.tile(np.arange(len(pc), dtype=np.int64), len(every))]
        other = sub_rows[fr] != sub_cols[fc]
        fr, fc = fr[other], fc[other]
        if existing:
            new = ~member(sub_rows[fr] * idx.n + sub_cols[fc], existing)
            fr, fc = fr[new], fc[new]
        a2, b2, s2 = _violations(idx, sub_rows, sub_cols, u, v, fr, fc, 0.0)
        a, b, s = np.r_[a, a2], np.r_[b, b2], np.r_[s, s2]
    if len(a) and near > 0:
        # Violations were found: bring the near ones of the same rows along.
        a3, b3, s3 = _violations(idx, sub_rows, sub_cols, u, v, ri, ci, near)
        a, b, s = np.r_[a, a3], np.r_[b, b3], np.r_[s, s3]
        first = first_of_each(a * idx.n + b)
        a, b, s = a[first], b[first], s[first]
    row_pos, col_pos2 = positions(idx.n, sub_rows), positions(idx.n, sub_cols)
    red = s - v[col_pos2[b]] - u[row_pos[a]]
    order = np.lexsort((b, -red, a))
    a, b, s = a[order], b[order], s[order]
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]]) if len(a) else empty
    rank = np.arange(len(a)) - np.repeat(starts, np.diff(np.r_[starts, len(a)]))
    keep = rank < per_row
    if not keep.any():
        viol[:] = 0.0
    a, b, s = a[keep], b[keep], s[keep]
    if ceiling is not None:
        # The largest excess over the threshold among pairs that stay out (float32, so
        # SLACK on top); rows looked at again pair by pair have none to give.
        out = ~member(sub_rows[all_ri] * idx.n + sub_cols[all_ci], (np.sort(a * idx.n + b),))
        top = np.maximum(dropped.astype(np.float64), 0.0)
        np.maximum.at(top, all_ri[out], all_excess[out].astype(np.float64))
        ceiling[:] = thr + top + SLACK
        ceiling[cut] = np.inf
    return a, b, s, viol


def positions(n: int, members: IntArray) -> IntArray:
    """Each person's position in ``members``, -1 for everyone else (n people)."""
    pos = np.full(n, -1, dtype=np.int64)
    pos[members] = np.arange(len(members))
    return pos


def _violations(
    idx: Index,
    rows: IntArray,
    cols: IntArray,
    u: FloatArray,
    v: FloatArray,
    ri: IntArray,
    ci: IntArray,
    near: float,
) -> tuple[IntArray, IntArray, FloatArray]:
    """The pairs (rows[ri], cols[ci]) whose exact score, in micro-points, exceeds u + v
    (or comes within ``near`` of it)."""
    a, b, s = exact_edges(idx, rows[ri], cols[ci])
    row_pos, col_pos = positions(idx.n, rows), positions(idx.n, cols)
    red = np.rint(s * SCALE) - np.rint(u[row_pos[a]] * SCALE) - np.rint(v[col_pos[b]] * SCALE)
    hit = red > -np.rint(near * SCALE)
    return a[hit], b[hit], s[hit]
