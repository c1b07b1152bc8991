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

from .assign import SCALE
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
# Thresholds start near each row's (and column's) SURVIVE * k-th best score.
SURVIVE = 2
INFEASIBLE = -BIG / 2
CHUNK = 1 << 20  # pairs checked against the rules at a time

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
    j = min(m, max(1, round(SURVIVE * k * m / len(cols))))
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
    th_r = _sample_thresholds(idx, rows, cols, k, seed, mutual)
    th_c = _sample_thresholds(idx, cols, rows, k, seed + 1, mutual)
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
    ok = np.concatenate(
        [
            feasible(idx, rows[ri[lo : lo + CHUNK]], cols[ci[lo : lo + CHUNK]])
            for lo in range(0, max(len(ri), 1), CHUNK)
        ]
    )
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
    return _finish(
        idx, rows, cols, rows[ri[kept]], cols[ci[kept]], tau, tau_col, survivors, s32[kept]
    )


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
            _, first = np.unique(a * n + b, return_index=True)
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
    order = np.lexsort((b, a))
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


def _member(keys: IntArray, sorted_sets: tuple[IntArray, ...]) -> npt.NDArray[np.bool_]:
    """Whether each key is in any of the sorted arrays."""
    hit = np.zeros(len(keys), dtype=np.bool_)
    for table in sorted_sets:
        if len(table):
            pos = np.minimum(np.searchsorted(table, keys), len(table) - 1)
            hit |= table[pos] == keys
    return hit


def price(
    idx: Index,
    rows: IntArray,
    cols: IntArray,
    u: FloatArray,
    v: FloatArray,
    *,
    mutual: bool = False,
    per_row: int = 32,
    existing: tuple[IntArray, ...] = (),
    near: float = 0.0,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Pairs (a in rows, b in cols) whose score exceeds u[a] + v[b]: the certificate's gaps.

    ``u`` and ``v`` are per position in ``rows`` and ``cols``. Pairs in ``existing``
    (sorted arrays of keys a * n + b) are skipped. Returns up to ``per_row`` such edges per
    row (the most violated first, scored exactly) and, per row, a bound on its largest
    violation (0 where none): the float32 excess plus SLACK. With ``near`` > 0, pairs up to
    that much short of violating come too (after the violating ones): they are likely
    to violate once the duals move.
    """
    viol = np.zeros(len(rows))
    empty = np.zeros(0, dtype=np.int64)
    if len(rows) == 0 or len(cols) == 0:
        return empty, empty, np.zeros(0), viol
    u32 = (u - SLACK - near).astype(np.float32)
    v32 = v.astype(np.float32)
    found: list[tuple[int, int, IntArray, IntArray, F32Array]] = []
    lock = threading.Lock()
    cap = 4 * per_row
    # Per row, the largest excess a block dropped (a row keeps its ``cap`` best per block).
    dropped = np.zeros(len(rows), dtype=np.float32)

    def visit(r0: int, r1: int, c0: int, c1: int, o: F32Array) -> None:
        np.subtract(o, v32[None, c0:c1], out=o)
        np.subtract(o, u32[r0:r1, None], out=o)
        ri, ci = np.nonzero(o > 0)
        if len(ri) > cap * (r1 - r0) // 4:
            over = np.flatnonzero(np.bincount(ri, minlength=r1 - r0) > cap)
            if len(over):
                kth = np.partition(o[over], -cap - 1, axis=1)[:, -cap - 1 :]
                floor = np.zeros(r1 - r0, dtype=np.float32)
                floor[over] = kth[:, 0]
                dropped[r0 + over] = np.maximum(dropped[r0 + over], kth[:, 0])
                ri, ci = np.nonzero(o > floor[:, None])
        part = (r0, c0, ri + r0, ci + c0, o[ri, ci])
        with lock:
            found.append(part)

    for_tiles(TileScorer(idx, rows, cols, mutual=mutual), visit)
    found.sort(key=lambda part: (part[0], part[1]))
    ri = np.concatenate([p[2] for p in found]) if found else empty
    ci = np.concatenate([p[3] for p in found]) if found else empty
    excess = np.concatenate([p[4] for p in found]) if found else np.zeros(0, np.float32)
    if mutual:
        other = rows[ri] != cols[ci]
        ri, ci, excess = ri[other], ci[other], excess[other]
    if existing:
        # Pairs already in the graph are paid for by the dual value's per-edge slack.
        new = ~_member(rows[ri] * idx.n + cols[ci], existing)
        ri, ci, excess = ri[new], ci[new], excess[new]
    # ``excess`` is float32 score - v - (u - SLACK - near); the violation is about
    # excess - SLACK - near, so excess - near (at least 0) bounds it with room to spare.
    np.maximum.at(viol, ri, np.maximum(excess.astype(np.float64) - near, 0.0))
    viol = np.maximum(viol, dropped.astype(np.float64) - near)
    viol = np.where(viol > 0, viol + SLACK, 0.0)
    # Each row's most violated few (float32 order) are scored exactly first; a row cut
    # there, or in a block, with no exact violation among them has every pair scored.
    rank = _rank_within(ri, np.maximum(excess, np.float32(0.0)))
    top = rank < cap
    a, b, s = _violations(idx, rows, cols, u, v, ri[top], ci[top], 0.0)
    hit = np.zeros(len(rows), dtype=np.bool_)
    hit[_row_pos(idx, rows)[a]] = True
    rest = ~top & ~hit[ri]
    if rest.any():
        a2, b2, s2 = _violations(idx, rows, cols, u, v, ri[rest], ci[rest], 0.0)
        a, b, s = np.r_[a, a2], np.r_[b, b2], np.r_[s, s2]
        hit[_row_pos(idx, rows)[a2]] = True
    # A block dropped pairs that might violate, and none was found: score the whole row.
    cut = (dropped > near + SLACK / 2) & ~hit
    if cut.any():
        every = np.flatnonzero(cut)
        fr = np.repeat(every, len(cols))
        fc = np.tile(np.arange(len(cols), dtype=np.int64), len(every))
        if mutual:
            other = rows[fr] != cols[fc]
            fr, fc = fr[other], fc[other]
        if existing:
            new = ~_member(rows[fr] * idx.n + cols[fc], existing)
            fr, fc = fr[new], fc[new]
        a2, b2, s2 = _violations(idx, rows, cols, u, v, fr, fc, 0.0)
        a, b, s = np.r_[a, a2], np.r_[b, b2], np.r_[s, s2]
    if len(a) and near > 0:
        # Violations were found: bring the near ones of the same rows along.
        a3, b3, s3 = _violations(idx, rows, cols, u, v, ri[top], ci[top], near)
        a, b, s = np.r_[a, a3], np.r_[b, b3], np.r_[s, s3]
        _, first = np.unique(a * idx.n + b, return_index=True)
        a, b, s = a[first], b[first], s[first]
    row_pos, col_pos = _row_pos(idx, rows), _row_pos(idx, cols)
    red = s - v[col_pos[b]] - u[row_pos[a]]
    order = np.lexsort((b, -red, a))
    a, b, s = a[order], b[order], s[order]
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]]) if len(a) else empty
    rank = np.arange(len(a)) - np.repeat(starts, np.diff(np.r_[starts, len(a)]))
    keep = rank < per_row
    if not keep.any():
        viol[:] = 0.0
    return a[keep], b[keep], s[keep], viol


def _row_pos(idx: Index, members: IntArray) -> IntArray:
    pos = np.full(idx.n, -1, dtype=np.int64)
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
    row_pos, col_pos = _row_pos(idx, rows), _row_pos(idx, cols)
    red = np.rint(s * SCALE) - np.rint(u[row_pos[a]] * SCALE) - np.rint(v[col_pos[b]] * SCALE)
    hit = red > -np.rint(near * SCALE)
    return a[hit], b[hit], s[hit]
