"""The pair score: two directions of learning, balanced, plus small soft terms.

For a pair (a, b) let x be what a can teach b and y what b can teach a:

    x = sum_t shares_a[t] * wants_b[t] / (3 * sum_t wants_b[t])      (0..1)

i.e. the share of b's wanted levels that a covers, weighted by a's level. Then

    learning = L * ((1 - beta) * 2xy / (x + y) + beta * (x + y) / 2)

The harmonic mean 2xy/(x+y) is zero when either direction is zero and equals the
common value when both match, so a one-sided pair keeps only the beta share of its
learning while a balanced pair with the same total keeps all of it: with beta = 0.25
the one-sided pair scores 4 times lower. The soft terms (wishes, cross-department,
working-hour overlap) are small, so they break ties between similar learning pairs.
Every score is the sum of its named parts.
"""

from __future__ import annotations

import numpy as np

from .index import BoolArray, FloatArray, Index, IntArray, overlap_share
from .model import PairScore

BIG = 1000.0  # added as a negative to rule out a pair inside a matrix product
EDGE_CHUNK = 262_144
UNKNOWN_TZ_OVERLAP = 0.5
PART_NAMES = ("balance", "a_to_b", "b_to_a", "wish", "cross_department", "timezone")


def wish_weight(rank: int) -> float:
    """First wish counts fully, the second half, the third a third, and so on."""
    return 1.0 / (1.0 + rank)


def tz_table(idx: Index) -> FloatArray:
    """Overlap share between time-zone classes; the last row/column is 'unknown'."""
    k = len(idx.tz_minutes)
    table = np.full((k + 1, k + 1), UNKNOWN_TZ_OVERLAP)
    for i, mi in enumerate(idx.tz_minutes):
        for j, mj in enumerate(idx.tz_minutes):
            table[i, j] = overlap_share(mi, mj)
    return table


def _learning(idx: Index, a: IntArray, b: IntArray) -> tuple[FloatArray, FloatArray]:
    x = np.empty(len(a), dtype=np.float64)
    y = np.empty(len(a), dtype=np.float64)
    for lo in range(0, len(a), EDGE_CHUNK):
        sa, sb = a[lo : lo + EDGE_CHUNK], b[lo : lo + EDGE_CHUNK]
        x[lo : lo + len(sa)] = np.einsum(
            "ij,ij->i", idx.shares[sa], idx.wants_norm[sb], dtype=np.float64
        )
        y[lo : lo + len(sa)] = np.einsum(
            "ij,ij->i", idx.shares[sb], idx.wants_norm[sa], dtype=np.float64
        )
    return x, y


def harmonic(x: FloatArray, y: FloatArray) -> FloatArray:
    total = x + y
    return np.divide(2.0 * x * y, total, out=np.zeros_like(total), where=total > 0)


_WISH_CACHE: dict[int, tuple[Index, IntArray, FloatArray]] = {}


def _wish_table(idx: Index) -> tuple[IntArray, FloatArray]:
    """Sorted keys a * n + b of stated wishes and their weights, built once per index."""
    hit = _WISH_CACHE.get(id(idx))
    if hit is not None and hit[0] is idx:
        return hit[1], hit[2]
    keys = np.array([i * idx.n + j for i, j in idx.wish_rank], dtype=np.int64)
    vals = np.array([wish_weight(r) for r in idx.wish_rank.values()], dtype=np.float64)
    order = np.argsort(keys)
    _WISH_CACHE.clear()
    _WISH_CACHE[id(idx)] = (idx, keys[order], vals[order])
    return keys[order], vals[order]


def wish_terms(idx: Index, a: IntArray, b: IntArray) -> FloatArray:
    out = np.zeros(len(a), dtype=np.float64)
    if not idx.wish_rank:
        return out
    keys, vals = _wish_table(idx)
    for q in (a * idx.n + b, b * idx.n + a):
        hit = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
        out += np.where(keys[hit] == q, vals[hit], 0.0)
    return out / 2.0


def edge_parts(idx: Index, a: IntArray, b: IntArray) -> dict[str, FloatArray]:
    """Named parts for each pair (a[i], b[i]); their sum is the score."""
    w = idx.problem.rules.weights
    x, y = _learning(idx, a, b)
    beta = w.one_sided
    da, db = idx.dept[a], idx.dept[b]
    ta, tb = idx.tz_class[a], idx.tz_class[b]
    table = tz_table(idx)
    return {
        "balance": w.learning * (1.0 - beta) * harmonic(x, y),
        "a_to_b": w.learning * beta * x / 2.0,
        "b_to_a": w.learning * beta * y / 2.0,
        "wish": w.wish * wish_terms(idx, a, b),
        "cross_department": w.cross_department * ((da >= 0) & (db >= 0) & (da != db)),
        "timezone": w.timezone * table[ta, tb],
        "_x": x,
        "_y": y,
    }


def edge_scores(idx: Index, a: IntArray, b: IntArray) -> tuple[FloatArray, BoolArray]:
    """Exact scores of the pairs and whether each has anything to learn."""
    parts = edge_parts(idx, a, b)
    total = np.zeros(len(a), dtype=np.float64)
    for name in PART_NAMES:
        total += parts[name]
    return total, (parts["_x"] + parts["_y"]) > 0


def teaches(idx: Index, teacher: int, learner: int) -> tuple[str, ...]:
    """Topics the teacher shares and the learner wants, most valuable first."""
    value = idx.shares[teacher] * idx.wants_norm[learner]
    hits = np.flatnonzero(value > 0)
    order = sorted(hits.tolist(), key=lambda t: (-float(value[t]), idx.topics[t]))
    return tuple(idx.topics[t] for t in order)


def pair_score(idx: Index, a: int, b: int) -> PairScore:
    """The score of one pair with its named parts (rounded to 6 decimals)."""
    parts = edge_parts(idx, np.array([a], dtype=np.int64), np.array([b], dtype=np.int64))
    named = {k: round(float(parts[k][0]), 6) for k in PART_NAMES}
    total = round(sum(float(parts[k][0]) for k in PART_NAMES), 6)
    return PairScore(
        score=total,
        parts=named,
        a_to_b=teaches(idx, a, b),
        b_to_a=teaches(idx, b, a),
        learn_a_to_b=float(parts["_x"][0]),
        learn_b_to_a=float(parts["_y"][0]),
    )
