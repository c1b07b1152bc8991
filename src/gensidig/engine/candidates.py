"""Candidate pairs for the solver, with a per-person bound on every pair left out.

Small cohorts are scored exactly for all pairs. Large ones stream over all pairs in tiles
of one float32 matrix product that bounds each score from above (see
``score.upper_features``); only pairs whose bound reaches a person's threshold are scored
exactly. Either way each row a gets ``tau[a]``: no allowed pair of a outside the
candidates scores more. The solver's dual potentials plus ``tau`` certify the optimum
over all pairs, not just the candidates (see ``assign.certify``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .index import FloatArray, Index, IntArray
from .rules import feasible
from .score import _wish_table, tz_table, upper_features

DENSE_PAIRS = 4_000_000
TILE_ROWS = 512
TILE_COLS = 16_384
SAMPLE_COLS = 2_048
# Survivors kept per row and tile, in multiples of k: the float32 bound is loose for
# one-sided pairs, so the exact top k needs a wide margin.
SURVIVORS_PER_K = 64
# Scores are compared after float32 products; this margin keeps every bound safe.
SLACK = 1e-4

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class Candidates:
    a: IntArray  # global index of the row person
    b: IntArray  # global index of the column person
    score: FloatArray
    tau: FloatArray  # per row position: bound on pairs left out (-inf: none left out)
    pairs_scanned: int
    exact_scored: int


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


def _top_per_row(
    a: IntArray, b: IntArray, s: FloatArray, k: int
) -> tuple[IntArray, IntArray, FloatArray, IntArray, FloatArray]:
    """Keep each row's k best (ties by column); return kept edges and dropped maxima."""
    order = np.lexsort((b, -s, a))
    a, b, s = a[order], b[order], s[order]
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]]) if len(a) else np.zeros(0, np.int64)
    rank = np.arange(len(a)) - np.repeat(starts, np.diff(np.r_[starts, len(a)]))
    keep = rank < k
    dropped_rows = a[rank == k]  # the best dropped edge of each row is at rank k
    dropped_vals = s[rank == k]
    return a[keep], b[keep], s[keep], dropped_rows, dropped_vals


def _wish_edges(idx: Index, rows: IntArray, cols: IntArray) -> tuple[IntArray, IntArray]:
    in_rows = np.zeros(idx.n, dtype=np.bool_)
    in_cols = np.zeros(idx.n, dtype=np.bool_)
    in_rows[rows] = True
    in_cols[cols] = True
    pa: list[int] = []
    pb: list[int] = []
    for p, q in idx.wish_rank:
        for x, y in ((p, q), (q, p)):
            if in_rows[x] and in_cols[y]:
                pa.append(x)
                pb.append(y)
    return np.array(pa, dtype=np.int64), np.array(pb, dtype=np.int64)


def _exact_edges(idx: Index, a: IntArray, b: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    from .score import edge_scores

    ok = feasible(idx, a, b)
    a, b = a[ok], b[ok]
    s, learns = edge_scores(idx, a, b)
    return a[learns], b[learns], s[learns]


def filter_tiles(
    f: np.ndarray,
    g: np.ndarray,
    theta: FloatArray,
    cap: int,
    progress: Progress | None = None,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Positions (row, col) where (f @ g) >= theta[row], streaming over tiles.

    A row whose survivors in one tile exceed ``cap`` has its threshold raised to the
    cap-th best bound in that tile; raising a threshold only ever drops pairs whose bound
    is below the new threshold, so ``theta`` stays a bound for everything left out.
    """
    n_r, n_c = f.shape[0], g.shape[1]
    out_r: list[IntArray] = []
    out_c: list[IntArray] = []
    out_u: list[np.ndarray] = []
    theta32 = theta.astype(np.float32)
    tile = np.empty((TILE_ROWS, min(TILE_COLS, n_c)), dtype=np.float32)
    total_tiles = -(-n_r // TILE_ROWS)
    for t, r0 in enumerate(range(0, n_r, TILE_ROWS)):
        r1 = min(n_r, r0 + TILE_ROWS)
        th = theta32[r0:r1, None]
        for c0 in range(0, n_c, TILE_COLS):
            c1 = min(n_c, c0 + TILE_COLS)
            block = tile[: r1 - r0, : c1 - c0]
            np.matmul(f[r0:r1], g[:, c0:c1], out=block)
            ri, ci = np.nonzero(block >= th)
            if len(ri) > cap:
                counts = np.bincount(ri, minlength=r1 - r0)
                for row in np.flatnonzero(counts > cap):
                    kth = np.partition(block[row], -cap)[-cap]
                    theta32[r0 + row] = max(theta32[r0 + row], kth)
                ri, ci = np.nonzero(block >= theta32[r0:r1, None])
            out_r.append(ri.astype(np.int64) + r0)
            out_c.append(ci.astype(np.int64) + c0)
            out_u.append(block[ri, ci])
        if progress is not None:
            progress(t + 1, total_tiles)
    rr = np.concatenate(out_r) if out_r else np.zeros(0, np.int64)
    cc = np.concatenate(out_c) if out_c else np.zeros(0, np.int64)
    uu = np.concatenate(out_u) if out_u else np.zeros(0, np.float32)
    keep = uu >= theta32[rr]
    theta[:] = theta32.astype(np.float64)
    return rr[keep], cc[keep], uu[keep].astype(np.float64)


def _sample_thresholds(
    idx: Index, rows: IntArray, cols: IntArray, k: int, seed: int, mutual: bool
) -> FloatArray:
    """A threshold per row near its k-th best score, from exact scores on sampled columns."""
    rng = np.random.default_rng(seed)
    m = min(len(cols), SAMPLE_COLS)
    sample = np.sort(rng.choice(cols, size=m, replace=False))
    j = max(1, int(np.ceil(k * m / len(cols))))
    theta = np.empty(len(rows), dtype=np.float64)
    chunk = max(1, 8_000_000 // m)
    for lo in range(0, len(rows), chunk):
        block = dense_exact(idx, rows[lo : lo + chunk], sample)
        if mutual:
            block[rows[lo : lo + chunk][:, None] == sample[None, :]] = -np.inf
        theta[lo : lo + chunk] = -np.partition(-block, j - 1, axis=1)[:, j - 1]
    # A row with no allowed pair in the sample falls back to a small positive threshold;
    # the tile filter's cap then keeps its survivors in check.
    return np.where(np.isfinite(theta), theta, 1e-6)


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
    """Candidate edges rows x cols (global indices) with the bound ``tau`` per row."""
    n_r, n_c = len(rows), len(cols)
    row_pos = np.full(idx.n, -1, dtype=np.int64)
    row_pos[rows] = np.arange(n_r)
    tau = np.full(n_r, -np.inf)
    if n_r == 0 or n_c == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty, np.zeros(0), tau, 0, 0)
    if n_r * n_c <= DENSE_PAIRS:
        a_parts, b_parts, s_parts = [], [], []
        chunk = max(1, DENSE_PAIRS // (4 * n_c))
        for lo in range(0, n_r, chunk):
            sub = rows[lo : lo + chunk]
            block = dense_exact(idx, sub, cols)
            if mutual:
                block[sub[:, None] == cols[None, :]] = -np.inf
            ri, ci = np.nonzero(np.isfinite(block))
            a_parts.append(sub[ri])
            b_parts.append(cols[ci])
            s_parts.append(block[ri, ci])
        a = np.concatenate(a_parts)
        b = np.concatenate(b_parts)
        s = np.concatenate(s_parts)
        scanned, exact = n_r * n_c, n_r * n_c
    else:
        theta = _sample_thresholds(idx, rows, cols, k, seed, mutual)
        f, g = upper_features(idx, rows, cols)
        ri, ci, _ = filter_tiles(f, g, theta, cap=SURVIVORS_PER_K * k, progress=progress)
        a, b = rows[ri], cols[ci]
        if mutual:
            a, b = a[a != b], b[a != b]
        a, b, s = _exact_edges(idx, a, b)
        tau = theta + SLACK
        scanned, exact = n_r * n_c, len(ri)
    a, b, s, drop_rows, drop_vals = _top_per_row(a, b, s, k)
    np.maximum.at(tau, row_pos[drop_rows], drop_vals + SLACK)
    wa, wb = _wish_edges(idx, rows, cols)
    if len(wa):
        wa, wb, ws = _exact_edges(idx, wa, wb)
        a, b, s = np.r_[a, wa], np.r_[b, wb], np.r_[s, ws]
        key = a * idx.n + b
        _, first = np.unique(key, return_index=True)
        a, b, s = a[first], b[first], s[first]
    return Candidates(a, b, s, tau, scanned, exact)


def price(
    idx: Index,
    rows: IntArray,
    cols: IntArray,
    u: FloatArray,
    v_full: FloatArray,
    *,
    mutual: bool = False,
    per_row: int = 16,
    existing: IntArray | None = None,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Pairs (a in rows, b in cols) whose score exceeds u[a] + v[b]: the certificate's gaps.

    Pairs in ``existing`` (keys a * n + b) are skipped. Returns up to ``per_row`` such edges
    per row (the most violated first) and, per row, the largest violation found (0 where
    none), which is exact: pairs not scored exactly have an upper bound below u + v.
    """
    viol = np.zeros(len(rows))
    empty = np.zeros(0, dtype=np.int64)
    if len(rows) == 0:
        return empty, empty, np.zeros(0), viol
    if len(rows) * len(cols) <= DENSE_PAIRS:
        block = dense_exact(idx, rows, cols)
        if mutual:
            block[rows[:, None] == cols[None, :]] = -np.inf
        red = block - v_full[cols][None, :] - u[:, None]
        ri, ci = np.nonzero(red > SLACK / 10)
        a, b = rows[ri], cols[ci]
        s = block[ri, ci]
    else:
        f, g = upper_features(idx, rows, cols)
        f = np.hstack([f, np.ones((len(rows), 1), dtype=np.float32)])
        g = np.vstack([g, -v_full[cols][None, :].astype(np.float32)])
        theta = u - SLACK
        ri, ci, _ = filter_tiles(f, g, theta.copy(), cap=len(cols))
        a, b = rows[ri], cols[ci]
        if mutual:
            a, b = a[a != b], b[a != b]
        a, b, s = _exact_edges(idx, a, b)
    row_pos = np.full(idx.n, -1, dtype=np.int64)
    row_pos[rows] = np.arange(len(rows))
    red = s - v_full[b] - u[row_pos[a]]
    hit = red > SLACK / 10
    if existing is not None and len(existing):
        # Pairs already in the graph are paid for by the dual value's per-edge slack.
        hit &= ~np.isin(a * idx.n + b, existing)
    a, b, s, red = a[hit], b[hit], s[hit], red[hit]
    np.maximum.at(viol, row_pos[a], red)
    order = np.lexsort((b, -red, a))
    a, b, s = a[order], b[order], s[order]
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]]) if len(a) else empty
    rank = np.arange(len(a)) - np.repeat(starts, np.diff(np.r_[starts, len(a)]))
    keep = rank < per_row
    return a[keep], b[keep], s[keep], viol
