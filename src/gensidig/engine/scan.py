"""Compiled scans over every pair of a large problem: the best partners of each person,
and the pairs that break a certificate (pricing).

Scoring all 10^10 pairs of a 100,000 x 100,000 cohort is the engine's floor. Numpy needs
two matrix products and half a dozen elementwise passes over every pair; this module
does it with numba, and skips most pairs unscored: for a row person ``a`` and a block of
columns,

    x[j] = sum over the topics a shares of  level * wants_norm[col j, topic]
    y[j] = sum over the topics a wants   of  wants_norm * shares[col j, topic]

(a person shares 2-6 topics and wants 0-4, so that is a handful of vector updates over
columns kept in cache, topic-major), then the two-way score of ``score.py`` plus one
lookup in a small table of class terms (department, time zone, language, generation
band; a broken class rule adds -BIG).

Columns are sorted by the topics they want, then share, and cut into runs of ``SUB``:
the same sums over each topic's largest value in a run bound every score in it (the
score grows with x and y), so a row scores a run only when the bound beats its
threshold; at 100k a row scores about 8 % of the runs. Each row keeps its ``k`` best in a
heap; each column's ``k`` best come from the same scan with rows and columns swapped
(the score is symmetric), so each heap prunes on its own threshold.

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
# Columns per run with a shared bound: columns sorted by the topics they want and share
# sit in runs of like columns, whose bound is close to their best score; a row skips a
# run whose bound cannot beat its threshold without scoring its columns.
SUB = 32
# Largest row class x runs table of class-term bounds; above it, a row class's largest
# term stands for every run.
CLS_BOUND_CELLS = 16_000_000
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
    c_cls: I32Array  # per column (layout order): its class code
    table: F32Array  # row class x column class: soft terms, -BIG for a broken class rule
    # Per run of ``sub`` columns (layout order): the largest value of each topic, and per
    # row class the largest class term, so a row's bound on a whole run costs a handful
    # of multiplications (see ``_bounds``).
    ub_wn: F32Array  # topics x runs
    ub_sh: F32Array  # topics x runs
    ub_cls: F32Array  # row class x runs (x 1 when that table would be too large)
    sub: int
    perm: npt.NDArray[np.int64]  # column position in this layout -> position in ``cols``
    r_self: I32Array  # mutual mode: the row person's column position, else -1
    f_ptr: npt.NDArray[np.int64]  # per row, sorted column positions ruled out pair by pair
    f_idx: I32Array
    harm: float
    lin: float
    # The same pairs seen from the columns (their heaps come from scanning it), or in a
    # mutual pool ``symmetric``: rows and columns are the same people.
    columns: Layout | None = None
    symmetric: bool = False


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


def _topic_keys(present: npt.NDArray[np.bool_]) -> list[npt.NDArray[np.uint64]]:
    """Each row's set of topics as 64-bit words, the most common topic in the highest
    bit: sorting by the words groups like people, the common topics first."""
    rank = np.argsort(-present.sum(axis=0), kind="stable")
    words = []
    for w0 in range(0, present.shape[1], 64):
        part = present[:, rank[w0 : w0 + 64]].astype(np.uint64)
        shifts = np.uint64(63) - np.arange(part.shape[1], dtype=np.uint64)
        words.append((part << shifts[None, :]).sum(axis=1, dtype=np.uint64))
    return words


def _column_order(idx: Index, cols: IntArray, code: I32Array) -> npt.NDArray[np.int64]:
    """Columns sorted by the topics they want, then those they share, then class: runs of
    columns that want and share the same topics have tight bounds."""
    keys: list[npt.NDArray[np.generic]] = [code[cols]]
    keys += _topic_keys(idx.shares[cols] > 0)[::-1]
    keys += _topic_keys(idx.wants_norm[cols] > 0)[::-1]
    return np.lexsort(keys).astype(np.int64)


def _bounds(
    col_wn: F32Array, col_sh: F32Array, c_cls: I32Array, table: F32Array, sub: int
) -> tuple[F32Array, F32Array, F32Array]:
    """Per run of ``sub`` columns: each topic's largest value, and per row class the
    largest class term."""
    n_c = col_wn.shape[1]
    starts = np.arange(0, n_c, sub)
    if n_c == 0:
        empty = np.zeros((col_wn.shape[0], 0), dtype=np.float32)
        return empty, empty.copy(), np.zeros((table.shape[0], 1), dtype=np.float32)
    ub_wn = np.maximum.reduceat(col_wn, starts, axis=1)
    ub_sh = np.maximum.reduceat(col_sh, starts, axis=1)
    if table.shape[0] * len(starts) <= CLS_BOUND_CELLS:
        ub_cls = np.maximum.reduceat(table[:, c_cls], starts, axis=1)
    else:
        ub_cls = table.max(axis=1, keepdims=True)
    return (
        np.ascontiguousarray(ub_wn, dtype=np.float32),
        np.ascontiguousarray(ub_sh, dtype=np.float32),
        np.ascontiguousarray(ub_cls, dtype=np.float32),
    )


def layout(
    idx: Index,
    rows: IntArray,
    cols: IntArray,
    forbidden: tuple[IntArray, IntArray],
    mutual: bool,
    *,
    columns: bool = True,
) -> Layout:
    """The arrays the kernels read, for rows x cols; with ``columns``, also the columns'
    side for their heaps (``top_k``)."""
    w = idx.problem.rules.weights
    beta = float(w.one_sided)
    harm = 2.0 * (1.0 - beta) * float(w.learning)
    lin = beta * float(w.learning) / 2.0
    # The score is harm * x * y / (x + y) + lin * (x + y).
    sh_ptr, sh_idx, sh_val = _csr(idx.shares[rows])
    wn_ptr, wn_idx, wn_val = _csr(idx.wants_norm[rows])
    code, table = class_codes(idx)
    symmetric = mutual and np.array_equal(rows, cols)
    side = None
    if columns and not symmetric:
        # Scored from the columns' side, a column's bound on a run of like rows is as
        # tight as a row's: its heap skips as much (rows and columns swap in the score).
        side = layout(idx, cols, rows, (forbidden[1], forbidden[0]), mutual, columns=False)
    perm = _column_order(idx, cols, code)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(len(perm))
    cols = cols[perm]
    c_cls = code[cols].astype(np.int32)
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
    col_wn = np.ascontiguousarray(idx.wants_norm[cols].T)
    col_sh = np.ascontiguousarray(idx.shares[cols].T)
    ub_wn, ub_sh, ub_cls = _bounds(col_wn, col_sh, c_cls, table, SUB)
    return Layout(
        sh_ptr=sh_ptr,
        sh_idx=sh_idx,
        sh_val=sh_val,
        wn_ptr=wn_ptr,
        wn_idx=wn_idx,
        wn_val=wn_val,
        col_wn=col_wn,
        col_sh=col_sh,
        r_cls=code[rows],
        c_cls=c_cls,
        table=table,
        ub_wn=ub_wn,
        ub_sh=ub_sh,
        ub_cls=ub_cls,
        sub=SUB,
        perm=perm,
        r_self=r_self,
        f_ptr=f_ptr,
        f_idx=fc[order].astype(np.int32),
        harm=harm,
        lin=lin,
        columns=side,
        symmetric=symmetric,
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


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _learn_sums(a, lo, n, sh_ptr, sh_idx, sh_val, wn_ptr, wn_idx, wn_val, of_wn, of_sh, x, y):
    """x[:n] and y[:n]: row a's two sums with entries lo..lo+n of ``of_wn`` and ``of_sh``
    (topics x entries: columns, or runs' maxima). Scores and run bounds both come from
    here, so their sums run in the same order, topic by topic (see ``_price_part``).

    Plain index loops: a slice is a new array view, whose reference count is updated
    atomically, and the two threads share the arrays; at a few views per segment that
    had cost more than the sums themselves. The column index is unsigned: a signed one
    makes numba wrap negative indices around, a test in the loop that kept LLVM from
    vectorising it (2.4 ns a column for six topics, 0.7-1.2 ns unsigned)."""
    for j in range(n):
        x[j] = 0.0
        y[j] = 0.0
    base = np.uint64(lo)
    for p in range(sh_ptr[a], sh_ptr[a + 1]):
        t = sh_idx[p]
        val = sh_val[p]
        for j in range(n):
            x[j] += val * of_wn[t, base + np.uint64(j)]
    for p in range(wn_ptr[a], wn_ptr[a + 1]):
        t = wn_idx[p]
        val = wn_val[p]
        for j in range(n):
            y[j] += val * of_sh[t, base + np.uint64(j)]


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _two_way(xv, yv, harm, lin):
    """The two-way learning score from the two sums; nothing to learn gets -1000 (far
    below any floor). Called alone in its loop, so that LLVM vectorises the division:
    with a class look-up in the same loop it did not, and the scans ran about 1.5 times
    as long."""
    tot = xv + yv
    if tot > 0:
        # x * y first: the same bits whichever side is the row.
        return harm * (xv * yv) / (tot + np.float32(1e-30)) + lin * tot
    return np.float32(-1000.0)


@njit(cache=True, nogil=True, error_model="numpy")
def _price_part(
    rows, c_lo, c_hi, sh_ptr, sh_idx, sh_val, wn_ptr, wn_idx, wn_val,
    col_wn, col_sh, r_cls, c_cls, table, ub_wn, ub_sh, ub_cls, sub, harm, lin, r_self,
    f_ptr, f_idx, thr, v, v_min, heap_s, heap_i, block,
):  # fmt: skip
    """For the given rows (heap q for rows[q]): the pairs with the largest score - v[col]
    above thr[q], among columns c_lo..c_hi. ``v_min`` is the least v per run of ``sub``
    columns: a run whose bound less that cannot beat the row's floor is skipped. With
    v = 0 this is the top-k scan (``_row_heaps``), with the duals' v pricing.

    A run's bound is the score's formula over each topic's largest value in the run:
    float rounding is monotone, so each sum is at least any column's; the two-way score
    grows with both sums, and the margin covers its last rounding."""
    harm32 = np.float32(harm)
    lin32 = np.float32(lin)
    xb = np.empty(block + sub, dtype=np.float32)
    yb = np.empty(block + sub, dtype=np.float32)
    nrun = block // sub + 2
    bx = np.empty(nrun, dtype=np.float32)
    by = np.empty(nrun, dtype=np.float32)
    wide = ub_cls.shape[1] > 1
    for c0 in range(c_lo, c_hi, block):
        c1 = min(c_hi, c0 + block)
        s0 = c0 // sub
        s1 = (c1 - 1) // sub + 1
        m = s1 - s0
        for q in range(len(rows)):
            a = rows[q]
            rc = r_cls[a]
            _learn_sums(
                a, s0, m, sh_ptr, sh_idx, sh_val, wn_ptr, wn_idx, wn_val, ub_wn, ub_sh, bx, by
            )
            for r in range(m):
                bx[r] = _two_way(bx[r], by[r], harm32, lin32)
            run0 = np.uint64(s0)
            for r in range(m):
                run = run0 + np.uint64(r)
                t = bx[r] + ub_cls[rc, run if wide else np.uint64(0)]
                bx[r] = t + abs(t) * np.float32(1e-5) + np.float32(1e-6) - v_min[run]
            floor = max(thr[q], heap_s[q, 0])
            k = 0
            while k < m:
                if bx[k] <= floor:
                    k += 1
                    continue
                k_end = k + 1
                while k_end < m and bx[k_end] > floor:
                    k_end += 1
                j0 = max(c0, (s0 + k) * sub)
                n = min(c1, (s0 + k_end) * sub) - j0
                _learn_sums(
                    a, j0, n, sh_ptr, sh_idx, sh_val, wn_ptr, wn_idx, wn_val, col_wn, col_sh, xb, yb
                )
                for j in range(n):
                    xb[j] = _two_way(xb[j], yb[j], harm32, lin32)
                hits = 0
                at = np.uint64(j0)
                for j in range(n):
                    col_u = at + np.uint64(j)
                    e = xb[j] + table[rc, c_cls[col_u]]
                    e -= v[col_u]
                    xb[j] = e
                    hits += 1 if e > floor else 0
                if hits > 0:
                    for j in range(n):
                        col = j0 + j
                        e = xb[j]
                        if e <= thr[q] or e <= heap_s[q, 0]:
                            continue
                        if col == r_self[a] or _ruled_out(f_ptr, f_idx, a, col):
                            continue
                        _push(heap_s, heap_i, q, e, col)
                    floor = max(thr[q], heap_s[q, 0])
                k = k_end


def _run_least(values: F32Array, sub: int) -> F32Array:
    """The least value per run of ``sub`` entries."""
    if not len(values):
        return np.zeros(0, dtype=np.float32)
    return np.minimum.reduceat(values, np.arange(0, len(values), sub)).astype(np.float32)


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
    (see ``row_floors``) make pushes rare, so most runs are skipped on their bound. The
    columns' heaps come from the same scan of the columns' side (``lay.columns``), or,
    in a mutual pool, are the rows' own; a layout without either gives placeholders."""
    fr = np.zeros(n_r, np.float32) if floor_r is None else floor_r.astype(np.float32)
    fc = np.zeros(n_c, np.float32) if floor_c is None else floor_c.astype(np.float32)
    if lay.symmetric:
        # One pool on both sides: a person's best partners are the same either way.
        both = np.maximum(fr, fc)
        row_s, row_i = _row_heaps(lay, k, both, progress, 0, 1)
        return TopK(row_s, row_i, row_s.copy(), row_i.copy())
    turns = 2 if lay.columns is not None else 1
    row_s, row_i = _row_heaps(lay, k, fr, progress, 0, turns)
    if lay.columns is None:
        none = np.full((n_c, k), -1, dtype=np.int32)
        return TopK(row_s, row_i, np.repeat(fc[:, None], k, axis=1), none)
    col_s, col_i = _row_heaps(lay.columns, k, fc, progress, 1, turns)
    return TopK(row_s, row_i, col_s, col_i)


def _row_heaps(
    lay: Layout,
    k: int,
    floor: F32Array,
    progress: Callable[[int, int], None] | None,
    turn: int,
    turns: int,
) -> tuple[F32Array, I32Array]:
    """Each row's k best (score, then layout position) above its floor; column
    positions in the caller's order."""
    n_r, n_c = len(floor), len(lay.perm)
    assert n_r <= len(lay.sh_ptr) - 1  # the kernels write one heap per row
    parts = _split(n_r, WORKERS)
    row_s = np.repeat(floor.astype(np.float32)[:, None], k, axis=1)
    row_i = np.full((n_r, k), -1, dtype=np.int32)
    steps = _steps(n_c)

    # The same kernel as pricing, with no prices: the heaps start at the floors, so the
    # floors are the thresholds.
    thr = row_s[:, 0].copy()
    zero = np.zeros(n_c, dtype=np.float32)
    zero_runs = _run_least(zero, lay.sub)

    def run(t: int, c_lo: int, c_hi: int) -> None:
        r0, r1 = parts[t]
        _price_part(
            np.arange(r0, r1, dtype=np.int64), c_lo, c_hi, lay.sh_ptr, lay.sh_idx, lay.sh_val,
            lay.wn_ptr, lay.wn_idx, lay.wn_val, lay.col_wn, lay.col_sh, lay.r_cls, lay.c_cls,
            lay.table, lay.ub_wn, lay.ub_sh, lay.ub_cls, lay.sub, lay.harm, lay.lin, lay.r_self,
            lay.f_ptr, lay.f_idx, thr[r0:r1], zero, zero_runs, row_s[r0:r1], row_i[r0:r1],
            BLOCK,
        )  # fmt: skip

    if parts and n_c:
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            for done, (c_lo, c_hi) in enumerate(steps, start=1):
                futures = [pool.submit(run, t, c_lo, c_hi) for t in range(len(parts))]
                for f in futures:
                    f.result()
                if progress is not None:
                    progress(turn * len(steps) + done, turns * len(steps))
    # Back from the layout's order to the caller's column positions.
    filled = row_i >= 0
    row_i[filled] = lay.perm[row_i[filled]]
    return row_s, row_i


def row_floors(
    lay: Layout, n_r: int, k: int, *, seed: int, sample: int = 2_048, survive: int = 2
) -> F32Array:
    """Per row of ``lay``, a score near its ``survive * k``-th best among the layout's
    columns, estimated from exact scores against a random sample of them (0 where the
    sample has too few allowed pairs)."""
    n_c = len(lay.perm)
    # A sixteenth of the columns at most: the sample costs that share of a scan.
    m = min(n_c, sample, max(256, n_c // 16))
    picked = np.sort(np.random.default_rng(seed).choice(n_c, size=m, replace=False))
    j = min(m, max(1, round(survive * k * m / n_c)))
    return top_k(sub_layout(lay, picked), n_r, m, j).row_s.min(axis=1)


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
    # Only the given columns are scanned: a layout of just them, in the same order.
    keep = np.sort(inv[cols])
    sub = sub_layout(lay, keep)
    v_at = np.full(n_c, np.float32(BIG), dtype=np.float32)
    v_at[inv[cols]] = v.astype(np.float32)
    v32 = np.ascontiguousarray(v_at[keep])
    v_min = _run_least(v32, sub.sub)
    rows32 = rows.astype(np.int64)
    thr32 = thr.astype(np.float32)
    parts = _split(len(rows), WORKERS)

    def run(t: int) -> None:
        lo, hi = parts[t]
        _price_part(
            rows32[lo:hi], 0, len(keep), sub.sh_ptr, sub.sh_idx, sub.sh_val, sub.wn_ptr,
            sub.wn_idx, sub.wn_val, sub.col_wn, sub.col_sh, sub.r_cls, sub.c_cls, sub.table,
            sub.ub_wn, sub.ub_sh, sub.ub_cls, sub.sub, sub.harm, sub.lin, sub.r_self,
            sub.f_ptr, sub.f_idx, thr32[lo:hi], v32, v_min, heap_s[lo:hi], heap_i[lo:hi], BLOCK,
        )  # fmt: skip

    if parts and len(keep):
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            list(pool.map(run, range(len(parts))))
    # Heap entries are positions in the sorted layout; the caller wants columns.
    filled = heap_i >= 0
    heap_i[filled] = sub.perm[heap_i[filled]]
    return heap_s, heap_i


def sub_layout(lay: Layout, keep: npt.NDArray[np.int64]) -> Layout:
    """The layout restricted to the columns at ``keep`` (sorted positions of ``lay``)."""
    if len(keep) == len(lay.perm):
        return lay
    c_cls = np.ascontiguousarray(lay.c_cls[keep])
    col_wn = np.ascontiguousarray(lay.col_wn[:, keep])
    col_sh = np.ascontiguousarray(lay.col_sh[:, keep])
    ub_wn, ub_sh, ub_cls = _bounds(col_wn, col_sh, c_cls, lay.table, lay.sub)
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
        col_wn=col_wn,
        col_sh=col_sh,
        c_cls=c_cls,
        ub_wn=ub_wn,
        ub_sh=ub_sh,
        ub_cls=ub_cls,
        perm=lay.perm[keep],
        f_ptr=f_ptr,
        f_idx=moved[ok].astype(np.int32),
        r_self=r_self.astype(np.int32),
        columns=None,
        symmetric=False,
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
