"""Exact pair scores of small problems (up to ``candidates.DENSE_PAIRS`` pairs) at once,
as a few float32 matrix products; large problems go through the compiled ``scan``.

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
(reporting lines, blocks, repeats, exclusions, same manager) are applied afterwards.

Scores are float32; ``SLACK`` covers their rounding wherever a bound is derived.
"""

from __future__ import annotations

import numpy as np

from .index import F32Array, FloatArray, Index, IntArray
from .score import BIG, tz_table

# Float32 rounding of a score below 2 is far below this; every bound adds it.
SLACK = 1e-4
EPS = np.float32(1e-30)  # keeps X + Y > 0, so X * Y / (X + Y) never divides 0 by 0


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
