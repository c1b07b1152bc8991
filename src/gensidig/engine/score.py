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

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .index import BoolArray, F32Array, FloatArray, Index, IntArray, overlap_share
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


# --- Learning terms from bit masks ---------------------------------------------------
#
# x[i] = sum_t shares[a_i, t] * wants_norm[b_i, t] (and y the other way round) in float64.
# Gathering two dense rows of ~50 float32 per pair and reducing them costs about a
# microsecond a pair, and the engine asks for millions of pairs. The rows are tiny in
# information, though: share levels are small integers (parse.py admits 1-3) and a
# learner's wants_norm row holds one value per wanted level (level / (3 * sum of levels),
# rounded to float32). So per person we keep uint64 words (one per 64 topics) holding
#
#   * P "share planes": bit j of each topic's share level;
#   * B "rank planes": bit i of the rank (1, 2, ...) of the topic's wants_norm value
#     among the distinct values of the person's row (0 = not wanted);
#
# plus the row's distinct values, shared by everyone with the same ones (a "class").
# Then, with mask_k the topics of rank k of the learner b,
#
#   x = sum_k value_k(b) * c_k,   c_k = sum_j 2**j * popcount(plane_j(a) & mask_k(b)),
#
# a handful of word operations a pair instead of two row gathers of 200 bytes each.
#
# Exactness: every float32 in b's row is a multiple of q, the float32 unit in the last
# place of the row's smallest value, so every product level * value, every c_k * value_k
# and every partial sum (all non-negative, at most max_level * row sum) is a multiple of q.
# While max_level * row sum < 2**52 * q these are all representable in float64, so both
# the einsum and this sum are exact whatever their order: x comes out bit for bit the same
# as before (not merely within rounding), and so do the scores and the engine's output.
# build_bit_topics checks these conditions on the data (None otherwise: the einsum is used).

U64Array = npt.NDArray[np.uint64]
U8Array = npt.NDArray[np.uint8]

BIT_CHUNK = 4_096  # pairs per step: the gathered words stay in the L2 cache
DENSE_BELOW = 4_096  # fewer pairs than this use the einsum (no tables to build)
MAX_SHARE_LEVEL = 255
MAX_WANT_VALUES = 15  # distinct wants_norm values in one row (levels 1-3 give 3)
CACHE_LINE = 64
PART_CHUNK = 32_768  # pairs per slice in edge_scores


@dataclass(frozen=True, slots=True)
class BitTopics:
    """Per person bit planes of the share levels and the wanted-value ranks."""

    rows: U64Array  # n x (planes + rank_bits) * words: share planes, then rank planes
    planes: int  # P: bits of the largest share level
    rank_bits: int  # B: bits of the largest rank
    words: int  # W: uint64 words per plane (64 topics each)
    ranks: int  # K: the most distinct wanted values in one row
    cls: npt.NDArray[np.integer]  # n: class of the person's distinct wanted values
    values_by_rank: FloatArray  # K x classes: the wants_norm value of each rank (or 0)
    count_dtype: np.dtype[np.unsignedinteger]  # holds any c_k


def _planes(
    n: int, words: int, rows: IntArray, topics: IntArray, values: IntArray, bits: int
) -> U64Array:
    """n x bits * words uint64: plane j holds bit j of ``values`` at each (row, topic)."""
    out = np.zeros(n * bits * words, dtype=np.uint64)
    bit = np.left_shift(np.uint64(1), (topics % 64).astype(np.uint64))
    base = rows * (bits * words) + topics // 64
    for j in range(bits):
        on = ((values >> j) & 1).astype(np.bool_)
        # A row's topics are distinct, so adding their bits is or-ing them.
        np.add.at(out, base[on] + j * words, bit[on])
    return out.reshape(n, bits * words)


def _aligned_rows(parts: list[U64Array]) -> U64Array:
    """The parts side by side, each row starting on a cache-line boundary when rows are a
    power of two of words (4 words for 50 topics: no row straddles two lines)."""
    n = parts[0].shape[0]
    width = sum(p.shape[1] for p in parts)
    step = CACHE_LINE // 8
    raw = np.empty(n * width + step, dtype=np.uint64)
    skip = (-raw.ctypes.data % CACHE_LINE) // 8
    out = raw[skip : skip + n * width].reshape(n, width)
    np.concatenate(parts, axis=1, out=out)
    return out


def build_bit_topics(shares: F32Array, wants_norm: F32Array) -> BitTopics | None:
    """The bit tables, or None when the data fall outside what makes them exact."""
    n, t = shares.shape
    if n == 0 or t == 0:
        return None
    if not (np.isfinite(shares).all() and np.isfinite(wants_norm).all()):
        return None
    if shares.min() < 0 or wants_norm.min() < 0:
        return None
    top = float(shares.max())
    s_row, s_top = np.nonzero(shares)
    s_val = shares[s_row, s_top]
    if top > MAX_SHARE_LEVEL or not np.array_equal(s_val, np.rint(s_val)):
        return None  # non-integer levels: only the einsum is exact
    planes = max(1, int(top).bit_length())
    # Rank of each wanted value within its row: sort the (row, value) pairs; positive
    # float32 order like their bit patterns, so one int64 key sorts both at once.
    w_row, w_top = np.nonzero(wants_norm)
    w_val = wants_norm[w_row, w_top]
    key = (w_row.astype(np.int64) << 32) | w_val.view(np.int32).astype(np.int64)
    distinct, which = np.unique(key, return_inverse=True)
    d_row = distinct >> 32
    first = np.searchsorted(d_row, d_row)  # where each row's distinct values start
    d_rank = np.arange(len(distinct)) - first  # 0 for the smallest value of the row
    ranks = int(d_rank.max()) + 1 if len(distinct) else 0
    if ranks > MAX_WANT_VALUES:
        return None
    d_val = (distinct & 0xFFFFFFFF).astype(np.int32).view(np.float32).astype(np.float64)
    table = np.zeros((n, max(ranks, 1)), dtype=np.float64)
    table[d_row, d_rank] = d_val
    if ranks:
        # The exactness condition above, row by row (a 1e-6 margin covers the row sum's
        # own rounding).
        has = table[:, 0] > 0
        _, exp = np.frexp(table[has, 0])
        quantum = np.ldexp(1.0, exp - 24)  # every float32 >= the smallest is a multiple
        row_sum = np.bincount(w_row, weights=w_val.astype(np.float64), minlength=n)[has]
        if np.any(max(top, 1.0) * row_sum * (1.0 + 1e-6) >= np.ldexp(quantum, 52)):
            return None
    # People with the same distinct values share a class (a few dozen in practice).
    order = np.lexsort(table.T[::-1])
    step = np.any(np.diff(table[order], axis=0) != 0, axis=1)
    cls = np.empty(n, dtype=np.int64)
    cls[order] = np.concatenate([[0], np.cumsum(step)])
    values = table[order[np.concatenate([[True], step])]]
    rank_bits = max(1, ranks.bit_length())
    words = -(-t // 64)
    rows = _aligned_rows(
        [
            _planes(n, words, s_row, s_top, s_val.astype(np.int64), planes),
            _planes(n, words, w_row, w_top, d_rank[which] + 1, rank_bits),
        ]
    )
    return BitTopics(
        rows=rows,
        planes=planes,
        rank_bits=rank_bits,
        words=words,
        ranks=ranks,
        cls=cls.astype(np.min_scalar_type(len(values) - 1)),
        values_by_rank=np.ascontiguousarray(values.T[:ranks]),
        count_dtype=np.min_scalar_type(((1 << planes) - 1) * t),
    )


def _kept[T](cache: dict[int, tuple[Index, T]], idx: Index) -> tuple[Index, T] | None:
    """The cache's entry for this very index: keyed by id, checked by identity."""
    hit = cache.get(id(idx))
    return hit if hit is not None and hit[0] is idx else None


def _keep[T](cache: dict[int, tuple[Index, T]], idx: Index, value: T) -> T:
    """Keep ``value`` for the index; only the last index's values are kept."""
    cache.clear()
    cache[id(idx)] = (idx, value)
    return value


_BITS_CACHE: dict[int, tuple[Index, BitTopics | None]] = {}


def _learning_dense(idx: Index, a: IntArray, b: IntArray) -> tuple[FloatArray, FloatArray]:
    """The definition itself, in float64 over the dense rows."""
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


def _rank_masks(bits: BitTopics, learner: U64Array, word: int, out: U64Array) -> None:
    """out[k - 1] = the learner's topics of rank k in one word, from the rank planes."""
    w = bits.words
    planes = [learner[i * w + word] for i in range(bits.rank_bits)]
    if bits.rank_bits == 1:
        np.copyto(out[0], planes[0])
    elif bits.rank_bits == 2:  # ranks 1-3: three operations instead of six
        top = planes[0] & planes[1]
        for k in range(bits.ranks):
            if k < 2:
                np.bitwise_xor(planes[k], top, out=out[k])
            else:
                np.copyto(out[k], top)
    else:
        for k in range(1, bits.ranks + 1):
            out[k - 1] = ~np.uint64(0)
            for i, plane in enumerate(planes):
                out[k - 1] &= plane if (k >> i) & 1 else ~plane


def _one_way(
    bits: BitTopics,
    teacher: U64Array,
    learner: U64Array,
    values: FloatArray,
    outs: tuple[FloatArray, FloatArray],
) -> None:
    """What each teacher column teaches its learner column, into outs[0] then outs[1]
    (the first and second halves of the columns). Rows of ``teacher`` are its share
    planes, of ``learner`` its rank planes; ``values`` holds K rows of wanted values.
    Every step works on all K ranks at once: fewer, longer numpy calls."""
    p, w, r, c = bits.planes, bits.words, bits.ranks, teacher.shape[1]
    half = len(outs[0])
    if not r:
        outs[0][...] = 0.0
        outs[1][...] = 0.0
        return
    masks = np.empty((r, c), dtype=np.uint64)
    both = np.empty((r, c), dtype=np.uint64)
    counts = np.empty((r, c), dtype=bits.count_dtype)
    ones = np.empty((r, c), dtype=bits.count_dtype)
    for word in range(w):
        _rank_masks(bits, learner, word, masks)
        for j in range(p):
            np.bitwise_and(masks, teacher[j * w + word], out=both)
            if j == 0 and word == 0:
                np.bitwise_count(both, out=counts)
                continue
            np.bitwise_count(both, out=ones)
            for _ in range(j):  # times 2**j: a uint8 add is cheaper than a shift
                np.add(ones, ones, out=ones)
            np.add(counts, ones, out=counts)
    term = np.empty((r, c), dtype=np.float64)
    np.copyto(term, counts)
    np.multiply(term, values, out=term)
    for k in range(1, r - 1):
        np.add(term[0], term[k], out=term[0])
    if r == 1:
        np.copyto(outs[0], term[0, :half])
        np.copyto(outs[1], term[0, half:])
    else:  # the last addition writes the results in place
        np.add(term[0, :half], term[r - 1, :half], out=outs[0])
        np.add(term[0, half:], term[r - 1, half:], out=outs[1])


def _learning_bits(bits: BitTopics, a: IntArray, b: IntArray) -> tuple[FloatArray, FloatArray]:
    """Both directions in one pass per chunk: columns [a..., b...] teach [b..., a...]."""
    m = len(a)
    x = np.empty(m, dtype=np.float64)
    y = np.empty(m, dtype=np.float64)
    width = bits.rows.shape[1]
    share_rows = bits.planes * bits.words
    step = min(m, BIT_CHUNK)
    gathered = np.empty((2 * step, width), dtype=np.uint64)
    planes = np.empty((width, 2 * step), dtype=np.uint64)
    swapped = np.empty((width - share_rows, 2 * step), dtype=np.uint64)
    values = np.empty((bits.ranks, 2 * step), dtype=np.float64)
    for lo in range(0, m, step):
        k = min(step, m - lo)
        sa, sb = a[lo : lo + k], b[lo : lo + k]
        # Column i < k is pair i with a teaching b, column k + i the same pair b to a.
        teachers, learners = np.concatenate([sa, sb]), np.concatenate([sb, sa])
        # The class look-up raises IndexError on a bad index like the einsum did, so the
        # row gathers can use mode="wrap", which (unlike "raise") needs no buffer.
        cls = bits.cls.take(learners).astype(np.intp)
        for r in range(bits.ranks):
            np.take(bits.values_by_rank[r], cls, out=values[r, : 2 * k], mode="wrap")
        g, pl, sw = gathered[: 2 * k], planes[:, : 2 * k], swapped[:, : 2 * k]
        np.take(bits.rows, teachers, axis=0, out=g, mode="wrap")
        np.copyto(pl, g.T)  # words as rows: one contiguous row per plane
        np.copyto(sw[:, :k], pl[share_rows:, k:])  # the learners' rank planes
        np.copyto(sw[:, k:], pl[share_rows:, :k])
        _one_way(bits, pl[:share_rows], sw, values[:, : 2 * k], (x[lo : lo + k], y[lo : lo + k]))
    return x, y


def _bits_for(idx: Index, pairs: int) -> BitTopics | None:
    """The bit tables when they are worth building (or already built) and exact; built
    once per index (the last index's are kept, by identity)."""
    hit = _kept(_BITS_CACHE, idx)
    if hit is not None:
        return hit[1]
    if pairs < DENSE_BELOW:
        return None
    return _keep(_BITS_CACHE, idx, build_bit_topics(idx.shares, idx.wants_norm))


def _learning(idx: Index, a: IntArray, b: IntArray) -> tuple[FloatArray, FloatArray]:
    """x = what each a teaches its b, y = what b teaches a: bit masks when exact, else einsum."""
    bits = _bits_for(idx, len(a))
    return _learning_bits(bits, a, b) if bits is not None else _learning_dense(idx, a, b)


def harmonic(x: FloatArray, y: FloatArray) -> FloatArray:
    total = x + y
    return np.divide(2.0 * x * y, total, out=np.zeros_like(total), where=total > 0)


_WISH_CACHE: dict[int, tuple[Index, tuple[IntArray, FloatArray, U8Array]]] = {}


def _wish_data(idx: Index) -> tuple[IntArray, FloatArray, U8Array]:
    """Sorted keys a * n + b of stated wishes, their weights, and per person flags (1: states
    a wish, 2: is wished for), built once per index."""
    hit = _kept(_WISH_CACHE, idx)
    if hit is not None:
        return hit[1]
    keys = np.array([i * idx.n + j for i, j in idx.wish_rank], dtype=np.int64)
    vals = np.array([wish_weight(r) for r in idx.wish_rank.values()], dtype=np.float64)
    order = np.argsort(keys)
    flags = np.zeros(idx.n, dtype=np.uint8)
    flags[keys // max(idx.n, 1)] |= 1
    flags[keys % max(idx.n, 1)] |= 2
    return _keep(_WISH_CACHE, idx, (keys[order], vals[order], flags))


def _wish_table(idx: Index) -> tuple[IntArray, FloatArray]:
    """Sorted keys a * n + b of stated wishes and their weights, built once per index."""
    keys, vals, _ = _wish_data(idx)
    return keys, vals


def _wish_terms(
    idx: Index, a: IntArray, b: IntArray, fa: npt.NDArray[np.integer], fb: npt.NDArray[np.integer]
) -> FloatArray:
    """The wish part given each side's flags (1: states a wish, 2: is wished for)."""
    out = np.zeros(len(a), dtype=np.float64)
    if not idx.wish_rank:
        return out
    keys, vals, _ = _wish_data(idx)
    # Only a pair where one states a wish and the other is wished for can hit a key (a few
    # per cent of pairs): the binary searches run on those alone. Each sum is formed as
    # before, 0.0 + term + term, so the values are the same to the bit.
    maybe = np.flatnonzero(((fa & 1) & (fb >> 1)) | ((fb & 1) & (fa >> 1)))
    if len(maybe):
        sa, sb = a[maybe], b[maybe]
        found = np.zeros(len(maybe), dtype=np.float64)
        for q in (sa * idx.n + sb, sb * idx.n + sa):
            hit = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
            found += np.where(keys[hit] == q, vals[hit], 0.0)
        out[maybe] = found
    return out / 2.0


I32Array = npt.NDArray[np.int32]
_CODES_CACHE: dict[int, tuple[Index, I32Array | None]] = {}
DEPT_BITS, TZ_BITS = 20, 9


def _person_codes(idx: Index) -> I32Array | None:
    """Per person one int32: department + 1 (bits 0-19), time-zone class + 1 (bits 20-28)
    and the wish flags (bits 29-30), so a pair needs one random gather per side instead of
    five, from an array small enough to stay in the cache. None if they do not fit."""
    hit = _kept(_CODES_CACHE, idx)
    if hit is not None:
        return hit[1]
    codes: I32Array | None = None
    if idx.n == 0 or (
        idx.dept.max() + 1 < 1 << DEPT_BITS and idx.tz_class.max() + 1 < 1 << TZ_BITS
    ):
        flags = _wish_data(idx)[2].astype(np.int64)
        packed = (idx.dept + 1) | ((idx.tz_class + 1) << DEPT_BITS)
        codes = (packed | (flags << (DEPT_BITS + TZ_BITS))).astype(np.int32)
    return _keep(_CODES_CACHE, idx, codes)


def _parts(
    idx: Index, bits: BitTopics | None, table: FloatArray, a: IntArray, b: IntArray
) -> dict[str, FloatArray]:
    w = idx.problem.rules.weights
    x, y = _learning_bits(bits, a, b) if bits is not None else _learning_dense(idx, a, b)
    beta = w.one_sided
    codes = _person_codes(idx)
    da: npt.NDArray[np.integer]
    db: npt.NDArray[np.integer]
    ta: npt.NDArray[np.integer]
    tb: npt.NDArray[np.integer]
    fa: npt.NDArray[np.integer]
    fb: npt.NDArray[np.integer]
    if codes is None:
        da, db = idx.dept[a], idx.dept[b]
        ta, tb = idx.tz_class[a], idx.tz_class[b]
        flags = _wish_data(idx)[2]
        fa, fb = flags[a], flags[b]
    else:  # the same department codes and classes, signed, -1 for unknown
        ca, cb = codes[a], codes[b]
        dept, tz = (1 << DEPT_BITS) - 1, (1 << TZ_BITS) - 1
        da, db = (ca & dept) - 1, (cb & dept) - 1
        ta, tb = ((ca >> DEPT_BITS) & tz) - 1, ((cb >> DEPT_BITS) & tz) - 1
        fa, fb = ca >> (DEPT_BITS + TZ_BITS), cb >> (DEPT_BITS + TZ_BITS)
    return {
        "balance": w.learning * (1.0 - beta) * harmonic(x, y),
        "a_to_b": w.learning * beta * x / 2.0,
        "b_to_a": w.learning * beta * y / 2.0,
        "wish": w.wish * _wish_terms(idx, a, b, fa, fb),
        "cross_department": w.cross_department * ((da >= 0) & (db >= 0) & (da != db)),
        "timezone": w.timezone * table[ta, tb],
        "_x": x,
        "_y": y,
    }


def edge_parts(idx: Index, a: IntArray, b: IntArray) -> dict[str, FloatArray]:
    """Named parts for each pair (a[i], b[i]); their sum is the score."""
    return _parts(idx, _bits_for(idx, len(a)), tz_table(idx), a, b)


def edge_scores(idx: Index, a: IntArray, b: IntArray) -> tuple[FloatArray, BoolArray]:
    """Exact scores of the pairs and whether each has anything to learn.

    Computed a slice at a time so that the parts' temporaries stay in the cache; every
    element goes through the same operations as in edge_parts, so the sums are the same."""
    m = len(a)
    bits = _bits_for(idx, m)
    table = tz_table(idx)
    total = np.zeros(m, dtype=np.float64)
    learns = np.empty(m, dtype=np.bool_)
    for lo in range(0, m, PART_CHUNK):
        hi = min(m, lo + PART_CHUNK)
        parts = _parts(idx, bits, table, a[lo:hi], b[lo:hi])
        part_total = total[lo:hi]
        for name in PART_NAMES:
            part_total += parts[name]
        np.greater(parts["_x"] + parts["_y"], 0, out=learns[lo:hi])
    return total, learns


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
