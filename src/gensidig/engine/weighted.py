"""The weighted form: teams that compute their own scores pass edges and capacities."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from .assign import SCALE, assign
from .model import InputError, Pair, Result, Unmatched
from .parse import WeightedProblem
from .solve import _greedy, _milp

MAX_WEIGHT = 1e9
EXACT_EDGES = 20_000
GENERAL_TIME_LIMIT = 20.0


def validate_weighted(problem: WeightedProblem) -> None:
    seen: dict[frozenset[str], int] = {}
    for i, (a, b, w) in enumerate(problem.edges):
        key = frozenset((a, b))
        if key in seen:
            raise InputError(
                f"repeats the pair of edges[{seen[key]}]", record=f"edges[{i}]", field="edges"
            )
        seen[key] = i
        if abs(w) > MAX_WEIGHT:
            raise InputError(
                f"weight must be within ±{MAX_WEIGHT:g}", record=f"edges[{i}]", field="weight"
            )
    cap = dict(problem.capacity)
    load: Counter[str] = Counter()
    ids = {x for a, b, _ in problem.edges for x in (a, b)} | set(cap)
    for k, (a, b) in enumerate(problem.locked):
        for x in (a, b):
            if x not in ids:
                raise InputError(f"unknown id {x!r}", record=f"locked[{k}]", field="locked")
            load[x] += 1
            if load[x] > cap.get(x, 1):
                raise InputError(
                    f"{x} is locked into more pairs than their capacity ({cap.get(x, 1)})",
                    record=f"locked[{k}]",
                    field="capacity",
                )


def solve_weighted(problem: WeightedProblem) -> Result:
    """Max-weight pairs for given edge weights; bipartite is exact with dual potentials."""
    cap_map = dict(problem.capacity)
    ids = sorted({x for a, b, _ in problem.edges for x in (a, b)} | set(cap_map))
    pos = {x: i for i, x in enumerate(ids)}
    n = len(ids)
    cap = np.array([cap_map.get(x, 1) for x in ids], dtype=np.int64)
    left = {a for a, _, _ in problem.edges}
    right = {b for _, b, _ in problem.edges}
    bipartite = problem.bipartite if problem.bipartite is not None else not (left & right)
    weight = {frozenset((a, b)): w for a, b, w in problem.edges}
    locked_int = 0
    banned = set()
    for a, b in problem.locked:
        cap[pos[a]] -= 1
        cap[pos[b]] -= 1
        banned.add(frozenset((a, b)))
        locked_int += round(weight.get(frozenset((a, b)), 0.0) * SCALE)
    edges = [(pos[a], pos[b], w) for a, b, w in problem.edges if frozenset((a, b)) not in banned]
    ea = np.array([e[0] for e in edges], dtype=np.int64)
    eb = np.array([e[1] for e in edges], dtype=np.int64)
    w = np.rint(np.array([e[2] for e in edges], dtype=np.float64) * SCALE).astype(np.int64)
    keep = w > 0
    ea, eb, w = ea[keep], eb[keep], w[keep]
    info: dict[str, Any] = {"edges": len(problem.edges), "bipartite": bipartite}
    if bipartite:
        asg = assign(ea, eb, w, cap, cap)
        chosen = np.flatnonzero(asg.chosen)
        objective, bound = asg.objective, float(asg.bound)
        info["method"] = "min-cost flow; certified by dual potentials"
    else:
        # Doubled into two sides, half the certified assignment value bounds any matching.
        doubled = assign(np.r_[ea, eb], np.r_[eb, ea], np.r_[w, w], cap, cap)
        bound = doubled.bound / 2.0
        if len(w) <= EXACT_EDGES:
            picked, milp_bound, proved = _milp(ea, eb, w, cap, GENERAL_TIME_LIMIT)
            chosen = np.array(picked, dtype=np.int64)
            bound = float(w[chosen].sum()) if proved else min(bound, milp_bound)
            info["method"] = "integer program (HiGHS)"
            info["proved_optimal"] = proved
        else:
            chosen = np.array(_greedy(ea, eb, w, cap, np.zeros(n, np.int64)), dtype=np.int64)
            info["method"] = "greedy; bound from the doubled assignment"
        objective = int(w[chosen].sum()) if len(chosen) else 0
        bound = max(bound, float(objective))
    found = [(int(ea[e]), int(eb[e]), int(w[e])) for e in chosen]
    pairs = [
        Pair(
            a=ids[i],
            b=ids[j],
            score=wt / SCALE,
            parts={"weight": wt / SCALE},
            reasons_da="Vægt fra input.",
            reasons_en="Weight from the input.",
        )
        for i, j, wt in found
    ]
    for a, b in problem.locked:
        wt = round(weight.get(frozenset((a, b)), 0.0) * SCALE)
        pairs.append(
            Pair(
                a=a,
                b=b,
                score=wt / SCALE,
                parts={"weight": wt / SCALE},
                reasons_da="Vægt fra input. Låst af en administrator.",
                reasons_en="Weight from the input. Locked by an admin.",
                locked=True,
            )
        )
    pairs.sort(key=lambda p: (p.a, p.b))
    matched = Counter(x for p in pairs for x in (p.a, p.b))
    with_edge = {ids[i] for i in np.r_[ea, eb].tolist()}
    unmatched = []
    for x in ids:
        if matched[x]:
            continue
        if cap_map.get(x, 1) == 0:
            code, en, da = "capacity_zero", "Capacity is 0.", "Kapaciteten er 0."
        elif x not in with_edge:
            code, en, da = (
                "no_edge",
                "No edge with a positive weight.",
                "Ingen kant med positiv vægt.",
            )
        else:
            code = "outscored"
            en = "Every partner with an edge is taken by a heavier pair."
            da = "Alle partnere med en kant er taget af et tungere par."
        unmatched.append(Unmatched(id=x, code=code, reason_en=en, reason_da=da))
    total_obj = (objective + locked_int) / SCALE
    total_bound = (bound + locked_int) / SCALE
    gap = 0.0 if total_bound <= 0 else max(0.0, (total_bound - total_obj) / total_bound)
    active = sum(1 for x in ids if cap_map.get(x, 1) > 0)
    stats: dict[str, Any] = {
        "participants": n,
        "pairs": len(pairs),
        "locked_pairs": len(problem.locked),
        "matched": len(matched),
        "unmatched": len(unmatched),
        "match_rate": round(len(matched) / active, 4) if active else None,
        "solver": info,
    }
    return Result(
        pairs=tuple(pairs),
        unmatched=tuple(unmatched),
        objective=round(total_obj, 6),
        bound=round(total_bound, 6),
        gap=round(gap, 6),
        stats=stats,
    )
