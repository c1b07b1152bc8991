"""Candidate pairs for the solver, with bounds on every pair left out.

Every pair's exact two-way score is computed in float32 blocks (``tiles.TileScorer``);
only pairs that reach a threshold of their row or of their column survive a block. The
thresholds start from exact scores against a random sample, so a row keeps about twice
its ``k`` best; a block in which a row (or column) has too many survivors raises its
threshold to its k-th best there, which never exceeds its k-th best overall.

Of the survivors that pass every rule, each row keeps its ``k`` best and each column
its ``k`` best: the candidates are the union, so a person whom nobody ranks high still
has the partners that suit them best. Wished pairs are always candidates. Then

- ``tau[a]``: no pair of row a outside the candidates scores more, and
- ``tau_col[b]``: no pair of column b outside the candidates scores more,

because a pair left out was either below both thresholds or beaten by k others in its row
and k others in its column. The solver's dual potentials plus these bounds certify the
optimum over all pairs, not just the candidates (see ``solve.certified_assign``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .index import F32Array, FloatArray, Index, IntArray
from .rules import feasible
from .score import BIG, _wish_table, edge_scores, tz_table
from .tiles import SLACK, TileScorer, for_tiles

DENSE_PAIRS = 4_000_000
SAMPLE = 2_048
TILE_ROWS = 256
TILE_COLS = 8_192
# A row or column is trimmed to its k best within a block when it has more survivors
# there than this many times k.
TRIM_FACTOR = 2
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


def _score_key(group: IntArray, s: F32Array) -> IntArray:
    """One int64 per entry that sorts by group, then by score (best first).

    Scores here are >= 0, and the bits of a non-negative float32 order like the floats."""
    bits = np.maximum(s, np.float32(0.0)).view(np.uint32).astype(np.int64)
    return (group << 32) | (0xFFFFFFFF - bits)


def _rank_within(group: IntArray, s: F32Array) -> IntArray:
    """Rank of each entry within its group, best score first; ties keep the input order."""
    order = np.argsort(_score_key(group, s), kind="stable")
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, np.int64)
    ranks_sorted = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    rank = np.empty(len(g), dtype=np.int64)
    rank[order] = ranks_sorted
    return rank


def _group_max(group: IntArray, values: F32Array, size: int) -> F32Array:
    """Largest value per group (``-BIG`` where a group has none)."""
    out = np.full(size, -BIG, dtype=np.float32)
    if len(group):
        order = np.argsort(_score_key(group, values), kind="stable")
        g = group[order]
        first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        out[g[first]] = values[order[first]]
    return out


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


def _sample_thresholds(
    idx: Index, rows: IntArray, cols: IntArray, k: int, seed: int, mutual: bool
) -> F32Array:
    """Per row, a score near its 2k-th best, from exact scores against sampled columns."""
    rng = np.random.default_rng(seed)
    m = min(len(cols), SAMPLE)
    sample = np.sort(rng.choice(cols, size=m, replace=False))
    j = min(m, max(1, round(2 * k * m / len(cols))))
    theta = np.empty(len(rows), dtype=np.float32)

    def visit(r0: int, r1: int, c0: int, c1: int, o: F32Array) -> None:
        theta[r0:r1] = -np.partition(-o, j - 1, axis=1)[:, j - 1]

    scorer = TileScorer(idx, rows, sample, mutual=mutual)
    for_tiles(scorer, visit, rows_per_tile=max(1, min(TILE_ROWS, 4_000_000 // m)), cols_per_tile=m)
    # A row with too few allowed pairs in the sample starts at 0: trimming keeps it in check.
    return np.maximum(theta, np.float32(0.0))


def _trim(o: F32Array, counts: IntArray, k: int, axis: int) -> tuple[IntArray, F32Array]:
    """Lines (rows: axis 1, columns: axis 0) with more than TRIM_FACTOR * k survivors, and
    their k-th best score in this block."""
    over = np.flatnonzero(counts > TRIM_FACTOR * k)
    if not len(over):
        return over, np.zeros(0, dtype=np.float32)
    lines = o[over] if axis == 1 else o[:, over].T
    kk = min(k, lines.shape[1])
    return over, np.partition(lines, -kk, axis=1)[:, -kk]


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
    """Candidate edges rows x cols (global indices) with the bounds ``tau``, ``tau_col``."""
    n_r, n_c = len(rows), len(cols)
    k = max(1, k)
    if n_r == 0 or n_c == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(
            empty, empty, np.zeros(0), np.full(n_r, -np.inf), np.full(n_c, -np.inf), 0, 0
        )
    if n_r * n_c <= DENSE_PAIRS:
        th_r = np.full(n_r, INFEASIBLE, dtype=np.float32)
        th_c = np.full(n_c, INFEASIBLE, dtype=np.float32)
        trim = False
    else:
        th_r = _sample_thresholds(idx, rows, cols, k, seed, mutual)
        th_c = _sample_thresholds(idx, cols, rows, k, seed + 1, mutual)
        trim = True
    # Rows belong to one thread at a time; column thresholds are raised per thread and
    # the largest taken at the end, so each stays a bound for what its thread dropped.
    local = threading.local()
    col_copies: list[F32Array] = []
    found: list[tuple[int, int, npt.NDArray[np.int32], npt.NDArray[np.int32], F32Array]] = []
    lock = threading.Lock()

    def visit(r0: int, r1: int, c0: int, c1: int, o: F32Array) -> None:
        th_c_mine = getattr(local, "th_c", None)
        if th_c_mine is None:
            th_c_mine = th_c.copy()
            local.th_c = th_c_mine
            with lock:
                col_copies.append(th_c_mine)
        tr = th_r[r0:r1, None]
        tc = th_c_mine[None, c0:c1]
        keep = (o >= tr) | (o >= tc)
        if trim:
            ri, ci = np.nonzero(keep)
            if len(ri) > TRIM_FACTOR * k * (r1 - r0):
                over, kth = _trim(o, np.bincount(ri, minlength=r1 - r0), k, axis=1)
                th_r[r0 + over] = np.maximum(th_r[r0 + over], kth)
                over, kth = _trim(o, np.bincount(ci, minlength=c1 - c0), k, axis=0)
                th_c_mine[c0 + over] = np.maximum(th_c_mine[c0 + over], kth)
                keep = (o >= th_r[r0:r1, None]) | (o >= th_c_mine[None, c0:c1])
        ri, ci = np.nonzero(keep)
        part = (r0, c0, (ri + r0).astype(np.int32), (ci + c0).astype(np.int32), o[ri, ci])
        with lock:
            found.append(part)

    scorer = TileScorer(idx, rows, cols, mutual=mutual)
    for_tiles(scorer, visit, progress=progress, rows_per_tile=TILE_ROWS, cols_per_tile=TILE_COLS)
    for copy in col_copies:
        np.maximum(th_c, copy, out=th_c)
    # Blocks in order, so ties are broken by position whatever the threads did.
    found.sort(key=lambda part: (part[0], part[1]))
    ri = np.concatenate([p[2] for p in found]).astype(np.int64)
    ci = np.concatenate([p[3] for p in found]).astype(np.int64)
    s32 = np.concatenate([p[4] for p in found])
    # Rules on single pairs (reporting lines, blocks, ...) and the class rules again.
    ok = s32 > INFEASIBLE
    ri, ci, s32 = ri[ok], ci[ok], s32[ok]
    ok = feasible(idx, rows[ri], cols[ci])
    ri, ci, s32 = ri[ok], ci[ok], s32[ok]
    survivors = len(ri)
    # Survivors are in block order: within a row by column, within a column by row, so
    # equal scores are ranked by position.
    kept = (_rank_within(ri, s32) < k) | (_rank_within(ci, s32) < k)
    drop_r = _group_max(ri[~kept], s32[~kept], n_r)
    drop_c = _group_max(ci[~kept], s32[~kept], n_c)
    tau = np.maximum(th_r, drop_r).astype(np.float64)
    tau_col = np.maximum(th_c, drop_c).astype(np.float64)
    tau = np.where(tau > INFEASIBLE, tau + SLACK, -np.inf)
    tau_col = np.where(tau_col > INFEASIBLE, tau_col + SLACK, -np.inf)
    a, b = rows[ri[kept]], cols[ci[kept]]
    wa, wb = _wish_edges(idx, rows, cols)
    if len(wa):
        a, b = np.r_[a, wa], np.r_[b, wb]
        key = a * idx.n + b
        _, first = np.unique(key, return_index=True)
        a, b = a[first], b[first]
    a, b, s = exact_edges(idx, a, b)
    order = np.lexsort((b, a))
    return Candidates(a[order], b[order], s[order], tau, tau_col, n_r * n_c, survivors)


def price(
    idx: Index,
    rows: IntArray,
    cols: IntArray,
    u: FloatArray,
    v: FloatArray,
    *,
    mutual: bool = False,
    per_row: int = 16,
    existing: IntArray | None = None,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Pairs (a in rows, b in cols) whose score exceeds u[a] + v[b]: the certificate's gaps.

    ``u`` and ``v`` are per position in ``rows`` and ``cols``. Pairs in ``existing``
    (sorted keys a * n + b) are skipped. Returns up to ``per_row`` such edges per row (the
    most violated first) and, per row, the largest violation found (0 where none), which
    is exact: a pair is scored exactly whenever its float32 score comes within SLACK.
    """
    viol = np.zeros(len(rows))
    empty = np.zeros(0, dtype=np.int64)
    if len(rows) == 0 or len(cols) == 0:
        return empty, empty, np.zeros(0), viol
    u32 = (u - SLACK).astype(np.float32)
    v32 = v.astype(np.float32)
    found: list[tuple[IntArray, IntArray]] = []
    lock = threading.Lock()

    def visit(r0: int, r1: int, c0: int, c1: int, o: F32Array) -> None:
        np.subtract(o, v32[None, c0:c1], out=o)
        ri, ci = np.nonzero(o > u32[r0:r1, None])
        with lock:
            found.append((ri + r0, ci + c0))

    for_tiles(TileScorer(idx, rows, cols, mutual=mutual), visit)
    found.sort(key=lambda part: (int(part[0][0]), int(part[1][0])) if len(part[0]) else (-1, -1))
    ri = np.concatenate([p[0] for p in found]) if found else empty
    ci = np.concatenate([p[1] for p in found]) if found else empty
    a, b = rows[ri], cols[ci]
    if mutual:
        a, b = a[a != b], b[a != b]
    if existing is not None and len(existing):
        # Pairs already in the graph are paid for by the dual value's per-edge slack.
        new = ~np.isin(a * idx.n + b, existing)
        a, b = a[new], b[new]
    a, b, s = exact_edges(idx, a, b)
    row_pos = np.full(idx.n, -1, dtype=np.int64)
    row_pos[rows] = np.arange(len(rows))
    col_pos = np.full(idx.n, -1, dtype=np.int64)
    col_pos[cols] = np.arange(len(cols))
    red = s - v[col_pos[b]] - u[row_pos[a]]
    hit = red > SLACK / 10
    a, b, s, red = a[hit], b[hit], s[hit], red[hit]
    np.maximum.at(viol, row_pos[a], red)
    order = np.lexsort((b, -red, a))
    a, b, s = a[order], b[order], s[order]
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]]) if len(a) else empty
    rank = np.arange(len(a)) - np.repeat(starts, np.diff(np.r_[starts, len(a)]))
    keep = rank < per_row
    return a[keep], b[keep], s[keep], viol
