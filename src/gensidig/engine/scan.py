"""Compiled scans over every pair of a large problem: the best partners of each person,
and the pairs that break a certificate (pricing).

Scoring all 10^10 pairs of a 100,000 x 100,000 cohort is the engine's floor. Numpy needs
two matrix products and half a dozen elementwise passes over every pair; this module
does it in one pass with numba: for a row person ``a`` and a block of columns,

    x[j] = sum over the topics a shares of  level * wants_norm[col j, topic]
    y[j] = sum over the topics a wants   of  wants_norm * shares[col j, topic]

(a person shares 2-6 topics and wants 0-4, so that is a handful of vector updates over
columns kept in cache, topic-major), then the two-way score of ``score.py`` plus one
lookup in a small table of class terms (department, time zone, language, generation
band; a broken class rule adds -BIG). Each row keeps its ``k`` best in a heap, each
column its ``k`` best (one heap per thread, merged after), so nothing else is written:
a block is skipped after one vectorised maximum when none of its pairs beats the
thresholds, which is nearly always once the heaps are full.

Ties are broken by position (lower index first), so the heaps hold the exact top ``k``
by (score, position) whatever the number of threads: the same input gives the same
candidates. Scores are float32, as in ``tiles.py``; ``SLACK`` covers their rounding.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from numba import njit

from .index import F32Array, FloatArray, Index, IntArray
from .rules import class_tables
from .score import BIG, tz_table

I32Array = npt.NDArray[np.int32]
BLOCK = 2_048  # columns per block: their topic data stays in a core's L2 cache
STEPS = 32  # column ranges per scan, so progress can be reported between them
WORKERS = max(1, min(4, os.cpu_count() or 1))


@dataclass(slots=True)
class Layout:
    """Rows as sparse topic lists; columns topic-major; one class code per person."""

    sh_ptr: npt.NDArray[np.int64]
    sh_idx: I32Array
    sh_val: F32Array  # row's share level * scale
    wn_ptr: npt.NDArray[np.int64]
    wn_idx: I32Array
    wn_val: F32Array  # row's normalised wanted level * scale
    col_wn: F32Array  # topics x columns: wants_norm of each column
    col_sh: F32Array  # topics x columns: shares of each column
    r_cls: I32Array
    run_start: npt.NDArray[np.int64]  # columns are sorted by class: where each run starts
    run_cls: I32Array  # and its class
    table: F32Array  # row class x column class: soft terms, -BIG for a broken class rule
    perm: npt.NDArray[np.int64]  # column position in this layout -> position in ``cols``
    r_self: I32Array  # mutual mode: the row person's column position, else -1
    f_ptr: npt.NDArray[np.int64]  # per row, sorted column positions ruled out pair by pair
    f_idx: I32Array
    harm: float
    lin: float


def _csr(dense: F32Array) -> tuple[npt.NDArray[np.int64], I32Array, F32Array]:
    r, c = np.nonzero(dense)
    ptr = np.zeros(dense.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=dense.shape[0]), out=ptr[1:])
    return ptr, c.astype(np.int32), dense[r, c].astype(np.float32)


_CODES: list[tuple[Index, tuple[I32Array, F32Array]]] = []


def class_codes(idx: Index) -> tuple[I32Array, F32Array]:
    """One code per person for the combination of its classes, and the table of class
    terms between codes (the same terms and class rules as ``tiles.TileScorer``); the
    last index's are kept (by identity), as the sample scans and pricing reuse them."""
    if _CODES and _CODES[0][0] is idx:
        return _CODES[0][1]
    found = _class_codes(idx)
    _CODES[:] = [(idx, found)]
    return found


def _class_codes(idx: Index) -> tuple[I32Array, F32Array]:
    w = idx.problem.rules.weights
    r = idx.problem.rules
    features: list[tuple[IntArray, npt.NDArray[np.float64]]] = []
    nd = int(idx.dept.max()) + 1 if idx.n else 0
    dept = np.zeros((nd + 1, nd + 1))
    dept[:nd, :nd] = w.cross_department * (1.0 - np.eye(nd))
    if r.different_department:
        dept[:nd, :nd] -= BIG * np.eye(nd)
        dept[nd, :] -= BIG
        dept[:, nd] -= BIG
    features.append((idx.dept, dept))
    features.append((idx.tz_class, w.timezone * tz_table(idx)))
    lang_ok, gap_ok = class_tables(idx)
    if r.shared_language:
        k = len(idx.lang_sets)
        lang = np.full((k + 1, k + 1), -BIG)
        lang[:k, :k] = np.where(lang_ok, 0.0, -BIG)
        features.append((idx.lang_class, lang))
    if idx.problem.mode == "mutual" and r.min_generation_gap > 0:
        g = gap_ok.shape[0]
        gen = np.full((g + 1, g + 1), -BIG)
        gen[:g, :g] = np.where(gap_ok, 0.0, -BIG)
        features.append((idx.gen, gen))
    # A code -1 (unknown) is the last row and column of its table.
    cols = [np.where(c < 0, t.shape[0] - 1, c) for c, t in features]
    combos, code = np.unique(np.stack(cols, axis=1), axis=0, return_inverse=True)
    table = np.zeros((len(combos), len(combos)))
    for f, (_, t) in enumerate(features):
        table += t[combos[:, f][:, None], combos[:, f][None, :]]
    return code.reshape(-1).astype(np.int32), np.maximum(table, -BIG).astype(np.float32)


def layout(
    idx: Index, rows: IntArray, cols: IntArray, forbidden: tuple[IntArray, IntArray], mutual: bool
) -> Layout:
    w = idx.problem.rules.weights
    beta = float(w.one_sided)
    harm = 2.0 * (1.0 - beta) * float(w.learning)
    lin = beta * float(w.learning) / 2.0
    # The score is harm * x * y / (x + y) + lin * (x + y).
    sh_ptr, sh_idx, sh_val = _csr(idx.shares[rows])
    wn_ptr, wn_idx, wn_val = _csr(idx.wants_norm[rows])
    code, table = class_codes(idx)
    # Columns sorted by class, so a block adds its class terms run by run (no gather).
    perm = np.argsort(code[cols], kind="stable")
    inv = np.empty_like(perm)
    inv[perm] = np.arange(len(perm))
    cols = cols[perm]
    c_cls = code[cols]
    run_start = np.r_[np.flatnonzero(np.diff(c_cls, prepend=-1) != 0), len(cols)]
    r_self = np.full(len(rows), -1, dtype=np.int32)
    if mutual:
        col_of = np.full(idx.n, -1, dtype=np.int64)
        col_of[cols] = np.arange(len(cols))
        r_self = col_of[rows].astype(np.int32)
    fr, fc = forbidden
    fc = inv[fc]
    order = np.lexsort((fc, fr))
    f_ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.bincount(fr, minlength=len(rows)), out=f_ptr[1:])
    return Layout(
        sh_ptr=sh_ptr,
        sh_idx=sh_idx,
        sh_val=sh_val,
        wn_ptr=wn_ptr,
        wn_idx=wn_idx,
        wn_val=wn_val,
        col_wn=np.ascontiguousarray(idx.wants_norm[cols].T),
        col_sh=np.ascontiguousarray(idx.shares[cols].T),
        r_cls=code[rows],
        run_start=run_start.astype(np.int64),
        run_cls=c_cls[run_start[:-1]].astype(np.int32),
        table=table,
        perm=perm,
        r_self=r_self,
        f_ptr=f_ptr,
        f_idx=fc[order].astype(np.int32),
        harm=harm,
        lin=lin,
    )


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _worse(s1: float, i1: int, s2: float, i2: int) -> bool:
    return s1 < s2 or (s1 == s2 and i1 > i2)


@njit(cache=True, nogil=True, error_model="numpy")
def _push(hs, hi, r, s, i):
    """Replace the worst entry (the root) of heap r (row r of hs, hi) and sift down.

    The 2-D arrays are indexed directly: a view per push would cost two atomic
    reference-count updates, more than the sift itself."""
    k = hs.shape[1]
    pos = 0
    while True:
        left = 2 * pos + 1
        if left >= k:
            break
        m = left
        right = left + 1
        if right < k and _worse(hs[r, right], hi[r, right], hs[r, left], hi[r, left]):
            m = right
        if _worse(hs[r, m], hi[r, m], s, i):
            hs[r, pos] = hs[r, m]
            hi[r, pos] = hi[r, m]
            pos = m
        else:
            break
    hs[r, pos] = s
    hi[r, pos] = i


@njit(cache=True, nogil=True, error_model="numpy")
def _ruled_out(f_ptr, f_idx, a, col):
    lo = f_ptr[a]
    hi = f_ptr[a + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        if f_idx[mid] < col:
            lo = mid + 1
        else:
            hi = mid
    return lo < f_ptr[a + 1] and f_idx[lo] == col


@njit(cache=True, nogil=True, error_model="numpy")
def _axpy(out, val, src):
    for j in range(out.shape[0]):
        out[j] += val * src[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _two_way(x, y, harm, lin):
    """x <- the two-way learning score from x and y (a simple loop, so LLVM vectorises it);
    a pair with nothing to learn gets -BIG."""
    eps = np.float32(1e-30)
    neg = np.float32(-1000.0)
    for j in range(x.shape[0]):
        xv = x[j]
        yv = y[j]
        tot = xv + yv
        s = harm * xv * yv / (tot + eps) + lin * tot
        x[j] = s if tot > 0 else neg


@njit(cache=True, nogil=True, error_model="numpy")
def _add_runs(x, c0, c1, run_start, run_cls, trow):
    """Add each column's class term to x (columns c0..c1, sorted by class)."""
    r = np.searchsorted(run_start, c0, side="right") - 1
    while run_start[r] < c1:
        lo = max(run_start[r], c0) - c0
        hi = min(run_start[r + 1], c1) - c0
        term = trow[run_cls[r]]
        for j in range(lo, hi):
            x[j] += term
        r += 1


@njit(cache=True, nogil=True, error_model="numpy")
def _subtract(x, v):
    for j in range(x.shape[0]):
        x[j] -= v[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _any_above(s, floor, col_floor):
    """How many of s beat the row's floor or their column's."""
    hits = 0
    for j in range(s.shape[0]):
        m = col_floor[j] if col_floor[j] < floor else floor
        hits += 1 if s[j] > m else 0
    return hits


@njit(cache=True, nogil=True, error_model="numpy")
def _count_above(s, floor):
    hits = 0
    for j in range(s.shape[0]):
        hits += 1 if s[j] > floor else 0
    return hits


@njit(cache=True, nogil=True, error_model="numpy")
def _block_scores(
    a, c0, c1, sh_ptr, sh_idx, sh_val, wn_ptr, wn_idx, wn_val, col_wn, col_sh,
    r_cls, run_start, run_cls, table, harm, lin, x, y,
):  # fmt: skip
    """Scores of row a with columns c0..c1 into x (y is scratch); both of length c1 - c0."""
    x[:] = 0.0
    y[:] = 0.0
    for p in range(sh_ptr[a], sh_ptr[a + 1]):
        _axpy(x, sh_val[p], col_wn[sh_idx[p], c0:c1])
    for p in range(wn_ptr[a], wn_ptr[a + 1]):
        _axpy(y, wn_val[p], col_sh[wn_idx[p], c0:c1])
    _two_way(x, y, np.float32(harm), np.float32(lin))
    _add_runs(x, c0, c1, run_start, run_cls, table[r_cls[a]])


@njit(cache=True, nogil=True, error_model="numpy")
def _topk_part(
    r0, r1, c_lo, c_hi, sh_ptr, sh_idx, sh_val, wn_ptr, wn_idx, wn_val, col_wn, col_sh,
    r_cls, run_start, run_cls, table, harm, lin, r_self, f_ptr, f_idx,
    row_s, row_i, col_s, col_i, col_min, block,
):  # fmt: skip
    """Rows r0..r1 against columns c_lo..c_hi: update the rows' heaps and this thread's
    column heaps (``col_min`` holds each column heap's worst score)."""
    xb = np.empty(block, dtype=np.float32)
    yb = np.empty(block, dtype=np.float32)
    hits = np.empty(block, dtype=np.int64)
    for c0 in range(c_lo, c_hi, block):
        c1 = min(c_hi, c0 + block)
        bw = c1 - c0
        x = xb[:bw]
        y = yb[:bw]
        for a in range(r0, r1):
            _block_scores(
                a, c0, c1, sh_ptr, sh_idx, sh_val, wn_ptr, wn_idx, wn_val, col_wn, col_sh,
                r_cls, run_start, run_cls, table, harm, lin, x, y,
            )  # fmt: skip
            if _any_above(x, row_s[a, 0], col_min[c0:c1]) == 0:
                continue
            n_hit = _compact(x, row_s[a, 0], col_min[c0:c1], hits)
            _take(a, c0, hits[:n_hit], x, r_self, f_ptr, f_idx, row_s, row_i, col_s, col_i, col_min)


@njit(cache=True, nogil=True, error_model="numpy")
def _compact(s, floor, col_floor, out):
    """Positions j where s[j] beats the row's floor or its column's, into out; how many."""
    n = 0
    for j in range(s.shape[0]):
        out[n] = j
        n += (s[j] > floor) | (s[j] > col_floor[j])
    return n


@njit(cache=True, nogil=True, error_model="numpy")
def _take(a, c0, hits, x, r_self, f_ptr, f_idx, row_s, row_i, col_s, col_i, col_min):
    """Push the pairs at ``hits`` that beat their row's or column's worst into the heap."""
    for j in hits:
        s = x[j]
        col = c0 + j
        to_row = s > row_s[a, 0]
        to_col = s > col_min[col]
        if not (to_row or to_col):
            continue
        if col == r_self[a] or _ruled_out(f_ptr, f_idx, a, col):
            continue
        if to_row:
            _push(row_s, row_i, a, s, col)
        if to_col:
            _push(col_s, col_i, col, s, a)
            col_min[col] = col_s[col, 0]


@njit(cache=True, nogil=True, error_model="numpy")
def _price_part(
    rows, c_lo, c_hi, cols_sel, sh_ptr, sh_idx, sh_val, wn_ptr, wn_idx, wn_val,
    col_wn, col_sh, r_cls, run_start, run_cls, table, harm, lin, r_self, f_ptr, f_idx,
    thr, v, heap_s, heap_i, block,
):  # fmt: skip
    """For the given rows: the pairs with the largest score - v[col] above thr[row]
    (a heap per row); ``cols_sel`` marks the columns to consider."""
    xb = np.empty(block, dtype=np.float32)
    yb = np.empty(block, dtype=np.float32)
    for c0 in range(c_lo, c_hi, block):
        c1 = min(c_hi, c0 + block)
        bw = c1 - c0
        x = xb[:bw]
        y = yb[:bw]
        vb = v[c0:c1]
        for q in range(len(rows)):
            a = rows[q]
            _block_scores(
                a, c0, c1, sh_ptr, sh_idx, sh_val, wn_ptr, wn_idx, wn_val, col_wn, col_sh,
                r_cls, run_start, run_cls, table, harm, lin, x, y,
            )  # fmt: skip
            _subtract(x, vb)
            floor = max(thr[q], heap_s[q, 0])
            if _count_above(x, floor) == 0:
                continue
            for j in range(bw):
                col = c0 + j
                e = x[j]
                if e <= thr[q] or e <= heap_s[q, 0] or not cols_sel[col]:
                    continue
                if col == r_self[a] or _ruled_out(f_ptr, f_idx, a, col):
                    continue
                _push(heap_s, heap_i, q, e, col)


def _split(n: int, parts: int) -> list[tuple[int, int]]:
    bounds = np.linspace(0, n, parts + 1).round().astype(int)
    return [(int(lo), int(hi)) for lo, hi in itertools.pairwise(bounds) if hi > lo]


def _steps(n_c: int) -> list[tuple[int, int]]:
    width = max(BLOCK, -(-n_c // STEPS // BLOCK) * BLOCK)
    return [(c0, min(n_c, c0 + width)) for c0 in range(0, n_c, width)]


@dataclass(slots=True)
class TopK:
    row_s: F32Array  # rows x k: each row's best scores (0 where fewer than k)
    row_i: I32Array  # their column positions (-1: none)
    col_s: F32Array  # columns x k
    col_i: I32Array  # their row positions


def top_k(
    lay: Layout,
    n_r: int,
    n_c: int,
    k: int,
    progress: Callable[[int, int], None] | None = None,
    *,
    floor_r: F32Array | None = None,
    floor_c: F32Array | None = None,
) -> TopK:
    """Each row's and each column's k best allowed pairs with something to learn, among
    those scoring above the row's (or column's) floor (default 0).

    A heap starts full of placeholders (index -1) at the floor, so its worst score is
    always a bound on every pair it left out. Floors near each row's final k-th best
    (see ``floors``) make pushes rare, so most blocks are skipped after one check."""
    parts = _split(n_r, WORKERS)
    fr = np.zeros(n_r, np.float32) if floor_r is None else floor_r.astype(np.float32)
    fc = np.zeros(n_c, np.float32) if floor_c is None else floor_c.astype(np.float32)
    row_s = np.repeat(fr[:, None], k, axis=1)
    row_i = np.full((n_r, k), -1, dtype=np.int32)
    col_s = np.repeat(np.repeat(fc[None, :, None], k, axis=2), len(parts), axis=0)
    col_i = np.full((len(parts), n_c, k), -1, dtype=np.int32)
    col_min = np.repeat(fc[None, :], len(parts), axis=0)
    steps = _steps(n_c)

    def run(t: int, c_lo: int, c_hi: int) -> None:
        r0, r1 = parts[t]
        _topk_part(
            r0, r1, c_lo, c_hi, lay.sh_ptr, lay.sh_idx, lay.sh_val, lay.wn_ptr, lay.wn_idx,
            lay.wn_val, lay.col_wn, lay.col_sh, lay.r_cls, lay.run_start, lay.run_cls, lay.table,
            lay.harm, lay.lin, lay.r_self, lay.f_ptr, lay.f_idx,
            row_s, row_i, col_s[t], col_i[t], col_min[t], BLOCK,
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        for done, (c_lo, c_hi) in enumerate(steps, start=1):
            futures = [pool.submit(run, t, c_lo, c_hi) for t in range(len(parts))]
            for f in futures:
                f.result()
            if progress is not None:
                progress(done, len(steps))
    # Merge the threads' column heaps: the k best by (score, row position).
    cs = col_s.transpose(1, 0, 2).reshape(n_c, -1)
    ci = col_i.transpose(1, 0, 2).reshape(n_c, -1)
    order = np.lexsort((np.where(ci < 0, np.iinfo(np.int32).max, ci), -cs), axis=1)[:, :k]
    cs, ci = np.take_along_axis(cs, order, 1), np.take_along_axis(ci, order, 1)
    # Back from the layout's class order to the caller's column positions.
    # (a sub-layout's columns come back in the order of their positions in ``cols``).
    order = np.argsort(lay.perm, kind="stable")
    row_i = np.where(row_i >= 0, lay.perm[np.maximum(row_i, 0)], -1).astype(np.int32)
    return TopK(row_s, row_i, cs[order], ci[order])


def floors(
    idx: Index,
    rows: IntArray,
    cols: IntArray,
    k: int,
    *,
    mutual: bool,
    seed: int,
    sample: int = 2_048,
    survive: int = 2,
) -> tuple[F32Array, F32Array]:
    """Per row and per column, a score near its ``survive * k``-th best, estimated from
    exact scores against a random sample of the other side (0 where the sample has too
    few allowed pairs)."""
    from .candidates import sparse_forbidden

    rng = np.random.default_rng(seed)
    out = []
    for mine, other in ((rows, cols), (cols, rows)):
        # A sixteenth of the other side at most: the sample costs that share of a scan.
        m = min(len(other), sample, max(256, len(other) // 16))
        picked = np.sort(rng.choice(len(other), size=m, replace=False))
        j = min(m, max(1, round(survive * k * m / len(other))))
        sub = other[picked]
        lay = layout(idx, mine, sub, sparse_forbidden(idx, mine, sub), mutual)
        # Rows of ``mine`` x the sampled columns: each row's j-th best in the sample.
        best = top_k(lay, len(mine), m, j)
        out.append(best.row_s.min(axis=1))
    return out[0], out[1]


def price_rows(
    lay: Layout,
    rows: IntArray,
    cols: IntArray,
    thr: FloatArray,
    v: FloatArray,
    n_c: int,
    cap: int,
) -> tuple[F32Array, I32Array]:
    """For each of ``rows`` (row positions), its ``cap`` pairs with ``cols`` (column
    positions) of largest score - v above ``thr``: float32 excesses and column positions."""
    heap_s = np.zeros((len(rows), cap), dtype=np.float32)
    heap_i = np.full((len(rows), cap), -1, dtype=np.int32)
    # Entries start at the row's threshold, so only pairs above it enter.
    heap_s[:] = thr.astype(np.float32)[:, None]
    inv = np.empty_like(lay.perm)
    inv[lay.perm] = np.arange(len(lay.perm))
    # Only the given columns are scanned: a layout of just them, still in class order.
    keep = np.sort(inv[cols])
    sub = sub_layout(lay, keep)
    v_at = np.full(n_c, np.float32(BIG), dtype=np.float32)
    v_at[inv[cols]] = v.astype(np.float32)
    v32 = np.ascontiguousarray(v_at[keep])
    sel = np.ones(len(keep), dtype=np.bool_)
    rows32 = rows.astype(np.int64)
    thr32 = thr.astype(np.float32)
    parts = _split(len(rows), WORKERS)

    def run(t: int) -> None:
        lo, hi = parts[t]
        _price_part(
            rows32[lo:hi], 0, len(keep), sel, sub.sh_ptr, sub.sh_idx, sub.sh_val, sub.wn_ptr,
            sub.wn_idx, sub.wn_val, sub.col_wn, sub.col_sh, sub.r_cls, sub.run_start,
            sub.run_cls, sub.table, sub.harm, sub.lin, sub.r_self, sub.f_ptr, sub.f_idx,
            thr32[lo:hi], v32, heap_s[lo:hi], heap_i[lo:hi], BLOCK,
        )  # fmt: skip

    if parts and len(keep):
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            list(pool.map(run, range(len(parts))))
    heap_i = np.where(heap_i >= 0, sub.perm[np.maximum(heap_i, 0)], -1).astype(np.int32)
    return heap_s, heap_i


def sub_layout(lay: Layout, keep: npt.NDArray[np.int64]) -> Layout:
    """The layout restricted to the columns at ``keep`` (sorted positions of ``lay``)."""
    if len(keep) == len(lay.perm):
        return lay
    c_cls = np.repeat(lay.run_cls, np.diff(lay.run_start))[keep]
    run_start = np.r_[np.flatnonzero(np.diff(c_cls, prepend=-1) != 0), len(keep)]
    new_pos = np.full(len(lay.perm), -1, dtype=np.int64)
    new_pos[keep] = np.arange(len(keep))
    n_r = len(lay.f_ptr) - 1
    owner = np.repeat(np.arange(n_r), np.diff(lay.f_ptr))
    moved = new_pos[lay.f_idx]
    ok = moved >= 0
    f_ptr = np.zeros(n_r + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner[ok], minlength=n_r), out=f_ptr[1:])
    r_self = np.where(lay.r_self >= 0, new_pos[np.maximum(lay.r_self, 0)], -1)
    return replace(
        lay,
        col_wn=np.ascontiguousarray(lay.col_wn[:, keep]),
        col_sh=np.ascontiguousarray(lay.col_sh[:, keep]),
        run_start=run_start.astype(np.int64),
        run_cls=c_cls[run_start[:-1]].astype(np.int32),
        perm=lay.perm[keep],
        f_ptr=f_ptr,
        f_idx=moved[ok].astype(np.int32),
        r_self=r_self.astype(np.int32),
    )


@njit(cache=True, nogil=True, error_model="numpy")
def bellman_ford(tail, head, cost, dist):
    """Shortest distances from a virtual source joined to every node at cost 0 (``dist``
    starts at 0 and is updated in place). Returns the number of passes over the arcs, or
    -1 when a negative cycle keeps distances falling."""
    n = dist.shape[0]
    for rounds in range(1, n + 3):
        changed = False
        for e in range(tail.shape[0]):
            d = dist[tail[e]] + cost[e]
            if d < dist[head[e]]:
                dist[head[e]] = d
                changed = True
        if not changed:
            return rounds
    return -1


@njit(cache=True, nogil=True, error_model="numpy")
def greedy_load(order, ri, ci, cap_r, cap_c):
    """Column loads of the greedy matching that takes edges in ``order`` while both ends
    have room (an estimate of which columns the optimum leaves with places free)."""
    load_r = np.zeros(cap_r.shape[0], dtype=np.int64)
    load_c = np.zeros(cap_c.shape[0], dtype=np.int64)
    for e in order:
        r = ri[e]
        c = ci[e]
        if load_r[r] < cap_r[r] and load_c[c] < cap_c[c]:
            load_r[r] += 1
            load_c[c] += 1
    return load_c
