"""Synthetic but realistic cohorts from a seed, for benchmarks, tests and demos."""

from __future__ import annotations

from typing import Any

import numpy as np

DEPARTMENTS = (
    "Salg",
    "IT",
    "HR",
    "Økonomi",
    "Produktion",
    "Marketing",
    "Jura",
    "Kundeservice",
    "Logistik",
    "Indkøb",
    "Ledelse",
    "Udvikling",
)
TOPICS = tuple(f"t{i:02d}" for i in range(50))
ZONES = (
    ("Europe/Copenhagen", 0.80),
    ("Europe/London", 0.08),
    ("America/New_York", 0.05),
    ("Asia/Kolkata", 0.04),
    ("Asia/Singapore", 0.03),
)
LANGS = ((("da", "en"), 0.85), (("en",), 0.10), (("da",), 0.05))


def _pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> list[int]:
    return sorted(rng.choice(len(weights), size=k, replace=False, p=weights).tolist())


def cohort(
    n_young: int, n_experienced: int, seed: int = 0, mode: str = "reverse"
) -> dict[str, Any]:
    """An input dict in the engine's JSON shape.

    Departments are skewed, a manager tree runs through the experienced side, the 50
    topics follow a Zipf-like popularity, the young mostly share digital topics (the first
    half of the catalogue) and want business ones, the experienced the other way round,
    with some of each mixed in; capacities are 1 for the young and 1-3 for the experienced.
    """
    rng = np.random.default_rng(seed)
    n = n_young + n_experienced
    pop = 1.0 / np.arange(1, 26) ** 0.9
    pop /= pop.sum()
    mixed = np.r_[pop, pop * 0.25]
    digital_w = mixed / mixed.sum()
    business_w = np.r_[pop * 0.25, pop]
    business_w /= business_w.sum()
    dept_w = 1.0 / np.arange(1, len(DEPARTMENTS) + 1) ** 0.7
    dept_w /= dept_w.sum()
    depts = rng.choice(len(DEPARTMENTS), size=n, p=dept_w)
    zone_p = np.array([p for _, p in ZONES])
    zones = rng.choice(len(ZONES), size=n, p=zone_p / zone_p.sum())
    lang_p = np.array([p for _, p in LANGS])
    langs = rng.choice(len(LANGS), size=n, p=lang_p / lang_p.sum())
    ids = [f"y{i}" for i in range(n_young)] + [f"e{i}" for i in range(n_experienced)]
    # Managers: an experienced person reports to an earlier experienced person (a tree),
    # preferring the same department; a young person reports to an experienced one.
    by_dept: dict[int, list[int]] = {}
    managers: list[str | None] = [None] * n
    for j in range(n_young, n):
        pool = by_dept.get(int(depts[j]), [])
        if j > n_young and (pool or rng.random() < 0.5):
            boss = pool[int(rng.integers(len(pool)))] if pool else int(rng.integers(n_young, j))
            managers[j] = ids[boss]
        if rng.random() < 0.3:
            by_dept.setdefault(int(depts[j]), []).append(j)
    for i in range(n_young):
        pool = by_dept.get(int(depts[i]), [])
        if pool:
            managers[i] = ids[pool[int(rng.integers(len(pool)))]]
    people = []
    for i in range(n):
        young = i < n_young
        share_w, want_w = (digital_w, business_w) if young else (business_w, digital_w)
        shares = _pick(rng, share_w, int(rng.integers(2, 7)))
        wants = [t for t in _pick(rng, want_w, int(rng.integers(1, 5))) if t not in shares]
        p: dict[str, Any] = {
            "id": ids[i],
            "name": f"{'Ung' if young else 'Erfaren'} {i}",
            "side": "young" if young else "experienced",
            "generation": ("1995-2009" if rng.random() < 0.6 else "1981-1994")
            if young
            else ("1965-1980" if rng.random() < 0.7 else "1946-1964"),
            "department": DEPARTMENTS[int(depts[i])],
            "manager": managers[i],
            "languages": list(LANGS[int(langs[i])][0]),
            "timezone": ZONES[int(zones[i])][0],
            "capacity": 1 if young else int(rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2])),
            "shares": {TOPICS[t]: int(rng.integers(1, 4)) for t in shares},
            "wants": {TOPICS[t]: int(rng.integers(1, 4)) for t in wants},
            "wishes": [],
            "blocks": [],
            "previous": [],
        }
        if rng.random() < 0.1:
            lo, hi = (n_young, n) if young else (0, n_young)
            if hi > lo:
                k = int(rng.integers(1, 4))
                p["wishes"] = sorted({ids[int(x)] for x in rng.integers(lo, hi, size=k)})
        if rng.random() < 0.01:
            lo, hi = (n_young, n) if young else (0, n_young)
            if hi > lo:
                p["blocks"] = [ids[int(rng.integers(lo, hi))]]
        people.append(p)
    if mode == "mutual":
        for p in people:
            p.pop("side")
    return {
        "mode": mode,
        "rules": {"reporting_line_depth": 2, "shared_language": True, "min_generation_gap": 1},
        "participants": people,
        "locked": [],
        "excluded": [],
    }
