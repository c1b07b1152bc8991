"""Exact pair scores for a block of rows x columns, as a few float32 matrix products.

For a pair (a, b) with x = what a teaches b and y = what b teaches a (see ``score``):

    learning = L * ((1 - beta) * 2xy / (x + y) + beta * (x + y) / 2)

With X = A * x and Y = A * y, where A = 2 * (1 - beta) * L, the harmonic part is
X * Y / (X + Y) and the mean part is c * (X + Y) with c = beta * L / (2 * A). X and Y for a
whole block are two matrix products (shares of the rows times wanted levels of the
columns, and the other way round), so the exact two-way score of every pair in a block
costs two products and a handful of elementwise operations, not a gather per pair.

The soft terms that depend only on classes (department, time zone) and the hard rules
that do (shared language, different department, generation gap) come from a third
product of one-hot class indicators with small tables; a broken rule adds -BIG. Wishes
(sparse) are not included: wished pairs are always candidates. Rules on single pairs
(reporting lines, blocks, repeats, exclusions, same manager) are checked afterwards on
the few pairs that survive a threshold.

Scores are float32; ``SLACK`` covers their rounding wherever a bound is derived.
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np

from .index import F32Array, FloatArray, Index, IntArray
from .score import BIG, tz_table

# Float32 rounding of a score below 2 is far below this; every bound adds it.
SLACK = 1e-4
EPS = np.float32(1e-30)  # keeps X + Y > 0, so X * Y / (X + Y) never divides 0 by 0
TILE_ROWS = 256
TILE_COLS = 8_192
WORKERS = max(1, min(2, os.cpu_count() or 1))


def _openblas() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """numpy's bundled OpenBLAS thread controls, when they can be found."""
    folder = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(folder, "libscipy_openblas*.so"))):
        try:
            lib = ctypes.CDLL(path)
            get = lib.scipy_openblas_get_num_threads64_
            put = lib.scipy_openblas_set_num_threads64_
        except (OSError, AttributeError):
            continue
        get.restype = ctypes.c_int
        put.argtypes = [ctypes.c_int]
        return _controls(get, put)
    return None


def _controls(get: Any, put: Any) -> tuple[Callable[[], int], Callable[[int], None]]:
    return (lambda: int(get())), (lambda k: put(k))


_BLAS = _openblas()


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Each worker thread runs its own products: BLAS threads on top would contend."""
    if _BLAS is None:
        yield
        return
    get, put = _BLAS
    before = get()
    put(1)
    try:
        yield
    finally:
        put(before)


class TileScorer:
    """Scores of rows x cols (global indices) block by block, in float32."""

    def __init__(self, idx: Index, rows: IntArray, cols: IntArray, *, mutual: bool = False):
        w = idx.problem.rules.weights
        r = idx.problem.rules
        self.rows, self.cols = rows, cols
        # Mutual mode: a person may be both a row and a column; that pair is masked.
        self.col_of: IntArray | None = None
        if mutual:
            self.col_of = np.full(idx.n, -1, dtype=np.int64)
            self.col_of[cols] = np.arange(len(cols))
        beta = float(w.one_sided)
        self.harm = 2.0 * (1.0 - beta) * float(w.learning)
        lin = beta * float(w.learning) / 2.0
        if self.harm > 0:
            scale = self.harm
            self.c = np.float32(lin / self.harm)
        else:  # no harmonic part: X + Y is the learning itself
            scale = lin
            self.c = np.float32(1.0)
        fx = idx.shares[rows] * np.float32(scale)
        self.fx = np.ascontiguousarray(np.hstack([fx, np.ones((len(rows), 1), np.float32)]))
        gx = np.vstack([idx.wants_norm[cols].T, np.full((1, len(cols)), EPS, np.float32)])
        self.gx = np.ascontiguousarray(gx)
        self.fy = np.ascontiguousarray(idx.wants_norm[rows] * np.float32(scale))
        self.gy = np.ascontiguousarray(idx.shares[cols].T)
        f_parts: list[F32Array] = []
        g_parts: list[F32Array] = []

        def add(codes: IntArray, table: FloatArray) -> None:
            k = table.shape[0]
            cr, cc = codes[rows], codes[cols]
            onehot = np.zeros((len(rows), k), dtype=np.float32)
            onehot[np.arange(len(rows)), np.where(cr < 0, k - 1, cr)] = 1.0
            f_parts.append(onehot)
            g_parts.append(table[:, np.where(cc < 0, k - 1, cc)].astype(np.float32))

        nd = int(idx.dept.max()) + 1 if idx.n else 0
        dept = np.zeros((nd + 1, nd + 1))
        dept[:nd, :nd] = w.cross_department * (1.0 - np.eye(nd))
        if r.different_department:
            dept[:nd, :nd] -= BIG * np.eye(nd)
            dept[nd, :] -= BIG
            dept[:, nd] -= BIG
        if dept.any():
            add(idx.dept, dept)
        tz = w.timezone * tz_table(idx)
        if tz.any():
            add(idx.tz_class, tz)
        from .rules import class_tables

        lang_ok, gap_ok = class_tables(idx)
        if r.shared_language:
            k = len(idx.lang_sets)
            lang = np.full((k + 1, k + 1), -BIG)
            lang[:k, :k] = np.where(lang_ok, 0.0, -BIG)
            add(idx.lang_class, lang)
        if idx.problem.mode == "mutual" and r.min_generation_gap > 0:
            g = gap_ok.shape[0]
            gen = np.full((g + 1, g + 1), -BIG)
            gen[:g, :g] = np.where(gap_ok, 0.0, -BIG)
            add(idx.gen, gen)
        self.fs: F32Array | None = None
        self.gs: F32Array | None = None
        if f_parts:
            self.fs = np.ascontiguousarray(np.hstack(f_parts))
            self.gs = np.ascontiguousarray(np.vstack(g_parts))

    def block(
        self, r0: int, r1: int, c0: int, c1: int, out: F32Array, work: F32Array, total: F32Array
    ) -> None:
        """Scores of rows[r0:r1] x cols[c0:c1] into ``out``; ``work``, ``total``: scratch."""
        np.matmul(self.fx[r0:r1], self.gx[:, c0:c1], out=out)
        np.matmul(self.fy[r0:r1], self.gy[:, c0:c1], out=work)
        if self.harm > 0:
            s = np.add(out, work, out=total)
            np.multiply(out, work, out=out)
            np.divide(out, s, out=out)
            np.multiply(s, self.c, out=s)
            np.add(out, s, out=out)
        else:
            np.add(out, work, out=out)
        if self.fs is not None and self.gs is not None:
            np.matmul(self.fs[r0:r1], self.gs[:, c0:c1], out=work)
            np.add(out, work, out=out)
        if self.col_of is not None:
            own = self.col_of[self.rows[r0:r1]]
            hit = np.flatnonzero((own >= c0) & (own < c1))
            out[hit, own[hit] - c0] = -BIG

    def dense(self) -> F32Array:
        """All scores at once (small problems and tests)."""
        n_r, n_c = len(self.rows), len(self.cols)
        out = np.empty((n_r, n_c), dtype=np.float32)
        work = np.empty((n_r, n_c), dtype=np.float32)
        total = np.empty((n_r, n_c), dtype=np.float32)
        if n_r and n_c:
            self.block(0, n_r, 0, n_c, out, work, total)
        return out


def row_tiles(n_r: int, rows_per_tile: int = TILE_ROWS) -> Iterator[tuple[int, int]]:
    for r0 in range(0, n_r, rows_per_tile):
        yield r0, min(n_r, r0 + rows_per_tile)


def for_tiles(
    scorer: TileScorer,
    visit: Callable[[int, int, int, int, F32Array], object],
    *,
    progress: Callable[[int, int], None] | None = None,
    rows_per_tile: int = TILE_ROWS,
    cols_per_tile: int = TILE_COLS,
) -> None:
    """Score every block and hand it to ``visit(r0, r1, c0, c1, scores)``.

    Row bands run on ``WORKERS`` threads (numpy releases the GIL inside products and
    elementwise operations); ``visit`` is called from the worker threads, one band at a
    time per thread, so it must only touch the rows of its own band or lock.
    """
    n_r, n_c = len(scorer.rows), len(scorer.cols)
    if n_r == 0 or n_c == 0:
        return
    width = min(cols_per_tile, n_c)
    bands = list(row_tiles(n_r, rows_per_tile))
    done = [0]

    def run(band: tuple[int, int]) -> None:
        r0, r1 = band
        buf = np.empty((3, r1 - r0, width), dtype=np.float32)
        for c0 in range(0, n_c, width):
            c1 = min(n_c, c0 + width)
            o, wk, tot = buf[0, :, : c1 - c0], buf[1, :, : c1 - c0], buf[2, :, : c1 - c0]
            scorer.block(r0, r1, c0, c1, o, wk, tot)
            visit(r0, r1, c0, c1, o)

    # Products always run single-threaded, so a block's float32 rounding never depends on
    # how many threads there are: the same input gives the same candidates.
    if WORKERS == 1 or len(bands) == 1:
        with single_threaded_blas():
            for t, band in enumerate(bands):
                run(band)
                if progress is not None:
                    progress(t + 1, len(bands))
        return
    with single_threaded_blas(), ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for _ in pool.map(run, bands):
            done[0] += 1
            if progress is not None:
                progress(done[0], len(bands))
