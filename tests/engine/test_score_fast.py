"""The bit-mask learning terms and the sliced edge scores against their plain definitions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gensidig.engine import parse_problem
from gensidig.engine import score as sc
from gensidig.engine.index import Index, build_index
from gensidig.engine.synthetic import cohort


def _index(data: dict[str, Any]) -> Index:
    return build_index(parse_problem(data))


def _plain(idx: Index, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y straight from the definition, summed in float64."""
    sh = idx.shares.astype(np.float64)
    wn = idx.wants_norm.astype(np.float64)
    return (sh[a] * wn[b]).sum(axis=1), (sh[b] * wn[a]).sum(axis=1)


def _pairs(idx: Index, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, idx.n, m).astype(np.int64), rng.integers(0, idx.n, m).astype(np.int64)


def _check(idx: Index, a: np.ndarray, b: np.ndarray) -> None:
    bits = sc.build_bit_topics(idx.shares, idx.wants_norm)
    assert bits is not None
    x, y = sc._learning_bits(bits, a, b)
    px, py = _plain(idx, a, b)
    np.testing.assert_allclose(x, px, rtol=0, atol=1e-12)
    np.testing.assert_allclose(y, py, rtol=0, atol=1e-12)
    # Not merely close: the same float64 bits as the einsum the engine used before.
    dx, dy = sc._learning_dense(idx, a, b)
    assert np.array_equal(x.view(np.int64), dx.view(np.int64))
    assert np.array_equal(y.view(np.int64), dy.view(np.int64))


def _blank_some(data: dict[str, Any], every: int) -> dict[str, Any]:
    """Every ``every``-th person shares nothing, the next one wants nothing, the next neither."""
    for i, p in enumerate(data["participants"]):
        if i % every == 0:
            p["shares"] = {}
        elif i % every == 1:
            p["wants"] = {}
        elif i % every == 2:
            p["shares"], p["wants"] = {}, {}
    return data


def _many_topics(data: dict[str, Any], topics: int, seed: int) -> dict[str, Any]:
    """Spread each person's topics over ``topics`` names (levels kept)."""
    rng = np.random.default_rng(seed)
    for p in data["participants"]:
        for field in ("shares", "wants"):
            levels = list(p[field].values())
            names = rng.choice(topics, size=len(levels), replace=False)
            p[field] = {f"k{int(t):03d}": lvl for t, lvl in zip(names, levels, strict=True)}
    return data


def test_learning_bits_equal_definition_on_cohort() -> None:
    idx = _index(cohort(400, 400, seed=3))
    assert set(np.unique(idx.shares)) == {0.0, 1.0, 2.0, 3.0}  # levels 1-3 all present
    a, b = _pairs(idx, 20_000, seed=1)
    _check(idx, a, b)


def test_learning_bits_equal_definition_with_empty_people() -> None:
    idx = _index(_blank_some(cohort(300, 300, seed=4), every=7))
    assert (idx.shares.sum(axis=1) == 0).any() and (idx.wants_norm.sum(axis=1) == 0).any()
    a, b = _pairs(idx, 10_000, seed=2)
    _check(idx, a, b)
    # Everyone against the blank people, both ways round.
    blank = np.flatnonzero(idx.wants_norm.sum(axis=1) == 0)
    everyone = np.arange(idx.n, dtype=np.int64)
    for who in blank[:3]:
        _check(idx, everyone, np.full(idx.n, who, dtype=np.int64))


def test_learning_bits_equal_definition_beyond_64_topics() -> None:
    idx = _index(_many_topics(cohort(300, 300, seed=5), topics=150, seed=6))
    assert len(idx.topics) > 128  # three words per plane
    bits = sc.build_bit_topics(idx.shares, idx.wants_norm)
    assert bits is not None and bits.words == 3
    a, b = _pairs(idx, 10_000, seed=3)
    _check(idx, a, b)


def test_learning_bits_equal_definition_with_all_levels_in_one_row() -> None:
    people = [
        {"id": "a", "side": "young", "shares": {"t1": 1, "t2": 2, "t3": 3}, "wants": {"t4": 2}},
        {
            "id": "b",
            "side": "experienced",
            "shares": {"t4": 3},
            "wants": {"t1": 1, "t2": 2, "t3": 3, "t5": 3, "t6": 3},
        },
    ]
    idx = _index({"mode": "reverse", "participants": people})
    bits = sc.build_bit_topics(idx.shares, idx.wants_norm)
    assert bits is not None and bits.ranks == 3
    a = np.array([0, 1, 0, 1] * 1_000, dtype=np.int64)
    b = np.array([1, 0, 0, 1] * 1_000, dtype=np.int64)
    _check(idx, a, b)
    x, y = sc._learning_bits(bits, a[:1], b[:1])
    # b wants levels summing to 12: a covers 1*1/36 + 2*2/36 + 3*3/36 of it (float32 values).
    f = np.float32
    assert x[0] == 1 * float(f(1) / f(36)) + 2 * float(f(2) / f(36)) + 3 * float(f(3) / f(36))
    assert y[0] == 3.0 * float(f(2) / f(6))


def test_learning_dispatch_matches_dense_for_small_and_large_calls() -> None:
    idx = _index(cohort(200, 200, seed=7))
    a, b = _pairs(idx, sc.DENSE_BELOW + 5, seed=4)
    sc._BITS_CACHE.clear()
    small = sc._learning(idx, a[:10], b[:10])  # below the threshold: no tables built
    assert not sc._BITS_CACHE
    large = sc._learning(idx, a, b)  # builds and keeps them
    assert sc._BITS_CACHE
    again = sc._learning(idx, a[:10], b[:10])  # now through the kept tables
    for k in range(2):
        assert np.array_equal(large[k][:10], small[k])
        assert np.array_equal(again[k], small[k])
    dense = sc._learning_dense(idx, a, b)
    assert np.array_equal(large[0], dense[0]) and np.array_equal(large[1], dense[1])


def test_build_bit_topics_refuses_fractional_levels() -> None:
    shares = np.array([[1.5, 0.0], [0.0, 2.0]], dtype=np.float32)
    wants = np.array([[0.0, 0.5], [0.5, 0.0]], dtype=np.float32)
    assert sc.build_bit_topics(shares, wants) is None
    assert sc.build_bit_topics(shares.round(), wants) is not None


def test_build_bit_topics_refuses_rows_too_spread_to_be_exact() -> None:
    # A tiny wanted value beside a large one: float64 sums of their multiples would round.
    shares = np.array([[3.0, 3.0], [1.0, 0.0]], dtype=np.float32)
    wants = np.array([[1e-20, 0.5], [0.0, 0.0]], dtype=np.float32)
    assert sc.build_bit_topics(shares, wants) is None


def test_learning_bits_raise_on_an_index_out_of_range() -> None:
    idx = _index(cohort(50, 50, seed=8))
    bits = sc.build_bit_topics(idx.shares, idx.wants_norm)
    assert bits is not None
    with pytest.raises(IndexError):
        sc._learning_bits(bits, np.array([0, idx.n], dtype=np.int64), np.array([1, 2]))


def _check_department_and_zone(
    idx: Index, a: np.ndarray, b: np.ndarray, parts: dict[str, np.ndarray]
) -> None:
    """The department and time-zone parts from the index's own arrays."""
    w = idx.problem.rules.weights
    da, db = idx.dept[a], idx.dept[b]
    cross = w.cross_department * ((da >= 0) & (db >= 0) & (da != db))
    assert np.array_equal(parts["cross_department"], cross)
    tz = w.timezone * sc.tz_table(idx)[idx.tz_class[a], idx.tz_class[b]]
    assert np.array_equal(parts["timezone"], tz)


def test_edge_scores_equal_sum_of_parts_on_cohort_with_wishes() -> None:
    data = cohort(400, 400, seed=9)
    idx = _index(data)
    assert idx.wish_rank
    a, b = _pairs(idx, 50_000, seed=5)
    # Make sure wished-for pairs (both orders) are among them.
    wished = np.array(list(idx.wish_rank), dtype=np.int64)
    a = np.concatenate([a, wished[:, 0], wished[:, 1]])
    b = np.concatenate([b, wished[:, 1], wished[:, 0]])
    total, learns = sc.edge_scores(idx, a, b)
    parts = sc.edge_parts(idx, a, b)
    plain = np.zeros(len(a))
    for name in sc.PART_NAMES:
        plain += parts[name]
    assert np.array_equal(total, plain)
    assert np.array_equal(learns, (parts["_x"] + parts["_y"]) > 0)
    # The wish part from its definition, pair by pair.
    expect = [
        (
            (sc.wish_weight(idx.wish_rank[(i, j)]) if (i, j) in idx.wish_rank else 0.0)
            + (sc.wish_weight(idx.wish_rank[(j, i)]) if (j, i) in idx.wish_rank else 0.0)
        )
        / 2.0
        for i, j in zip(a.tolist(), b.tolist(), strict=True)
    ]
    w = idx.problem.rules.weights.wish
    np.testing.assert_allclose(parts["wish"], w * np.array(expect), rtol=0, atol=1e-15)
    assert (parts["wish"] > 0).sum() >= len(wished)
    _check_department_and_zone(idx, a, b, parts)


def test_edge_parts_equal_definition_with_too_many_zones_to_pack() -> None:
    data = cohort(300, 300, seed=10)
    for i, p in enumerate(data["participants"]):  # 600 distinct offsets: > 510 classes
        minutes = i * 2 - 600
        p["timezone"] = (
            f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        )
    idx = _index(data)
    assert len(idx.tz_minutes) > (1 << sc.TZ_BITS) - 1
    sc._CODES_CACHE.clear()
    assert sc._person_codes(idx) is None
    a, b = _pairs(idx, 20_000, seed=6)
    parts = sc.edge_parts(idx, a, b)
    _check_department_and_zone(idx, a, b, parts)
    total, _ = sc.edge_scores(idx, a, b)
    assert np.array_equal(total, sum((parts[k] for k in sc.PART_NAMES), np.zeros(len(a))))
