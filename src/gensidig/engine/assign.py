"""Exact bipartite b-matching (OR-Tools min-cost flow) with dual potentials as certificate.

Scores are scaled to integers (micro-points) so the objective, the dual bound and the
gap are exact integers. Dual potentials come from shortest paths in the residual graph of
the optimal flow (Bellman-Ford, vectorised): they make every residual arc's reduced cost
non-negative, which is exactly LP optimality, so the dual value equals the objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from .index import BoolArray, IntArray

SCALE = 1_000_000
# Above this many residual arcs the potentials come from the compiled Bellman-Ford (numba
# takes a moment to load, which small problems should not pay).
COMPILED_ARCS = 100_000
# Above this share of rows with a broken dual, a re-solve starts afresh (see ``reassign``).
# The engine's re-solves stay below it (at 100k the most is 41 %, after the first pricing
# round, which the repair does in 5-6 s on the engine's lean graph against 10-11 s for
# OR-Tools); it guards against a start far from any optimum, which the repair is slow at.
REPAIR_SHARE = 0.6


@dataclass(slots=True)
class Assignment:
    chosen: BoolArray  # per edge
    u: IntArray  # row potentials (scaled), >= 0
    v: IntArray  # column potentials (scaled), >= 0
    objective: int
    bound: int  # dual value: covers every pair given as an edge
    bf_rounds: int


def solve_flow(
    ea: IntArray, eb: IntArray, w: IntArray, cap_r: IntArray, cap_c: IntArray
) -> BoolArray:
    """Max-weight b-matching: ea/eb are local row/column positions, w > 0 integer weights."""
    n_r, n_c = len(cap_r), len(cap_c)
    if len(ea) == 0:
        return np.zeros(0, dtype=np.bool_)
    src, snk = n_r + n_c, n_r + n_c + 1
    supply = int(cap_r.sum())
    rows = np.arange(n_r, dtype=np.int64)
    cols = np.arange(n_c, dtype=np.int64) + n_r
    tails = np.concatenate([ea, np.full(n_r, src), cols, [src]])
    heads = np.concatenate([eb + n_r, rows, np.full(n_c, snk), [snk]])
    caps = np.concatenate([np.ones(len(ea), np.int64), cap_r, cap_c, [supply]])
    costs = np.concatenate([-w, np.zeros(n_r + n_c + 1, np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    flow.set_nodes_supplies(np.array([src, snk], dtype=np.int32), np.array([supply, -supply]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    edge_flow = flow.flows(np.arange(len(ea), dtype=np.int32))
    return np.asarray(edge_flow) > 0


def potentials(
    ea: IntArray,
    eb: IntArray,
    w: IntArray,
    chosen: BoolArray,
    cap_r: IntArray,
    cap_c: IntArray,
) -> tuple[IntArray, IntArray, int]:
    """Row and column potentials from shortest paths in the residual graph.

    Nodes: rows, columns and one root standing for both source and sink. Residual arcs:
    an unchosen edge row->col costs -w, a chosen one col->row costs +w; a row with room
    has root->row, a row with a partner row->root; a column with room col->root, a column
    with a partner root->col (all cost 0). Optimality means no negative cycle, so
    Bellman-Ford from a virtual source converges.
    """
    n_r, n_c = len(cap_r), len(cap_c)
    root = n_r + n_c
    deg_r = np.bincount(ea[chosen], minlength=n_r)
    deg_c = np.bincount(eb[chosen], minlength=n_c)
    r_idx = np.arange(n_r, dtype=np.int64)
    c_idx = np.arange(n_c, dtype=np.int64) + n_r
    tail = np.concatenate(
        [
            np.where(chosen, eb + n_r, ea),
            np.full(int((deg_r < cap_r).sum()), root),
            r_idx[deg_r > 0],
            c_idx[deg_c < cap_c],
            np.full(int((deg_c > 0).sum()), root),
        ]
    )
    head = np.concatenate(
        [
            np.where(chosen, ea, eb + n_r),
            r_idx[deg_r < cap_r],
            np.full(int((deg_r > 0).sum()), root),
            np.full(int((deg_c < cap_c).sum()), root),
            c_idx[deg_c > 0],
        ]
    )
    cost = np.concatenate([np.where(chosen, w, -w), np.zeros(len(tail) - len(w), np.int64)])
    if len(tail) > COMPILED_ARCS:
        from .scan import bellman_ford

        dist = np.zeros(n_r + n_c + 1, dtype=np.int64)
        rounds = int(bellman_ford(tail, head, cost, dist))
        if rounds < 0:
            raise RuntimeError("negative cycle in the residual graph: the flow is not optimal")
        u = np.maximum(dist[:n_r] - dist[root], 0)
        v = np.maximum(dist[root] - dist[n_r : n_r + n_c], 0)
        return u, v, rounds
    order = np.argsort(head, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    starts = np.flatnonzero(np.r_[True, head[1:] != head[:-1]]) if len(head) else r_idx[:0]
    heads_u = head[starts] if len(head) else r_idx[:0]
    dist = np.zeros(n_r + n_c + 1, dtype=np.int64)
    rounds = 0
    for rounds in range(1, n_r + n_c + 3):  # noqa: B007 (the count is reported)
        if not len(head):
            break
        best = np.minimum.reduceat(dist[tail] + cost, starts)
        improved = best < dist[heads_u]
        if not improved.any():
            break
        dist[heads_u[improved]] = best[improved]
    else:
        raise RuntimeError("negative cycle in the residual graph: the flow is not optimal")
    u = np.maximum(dist[:n_r] - dist[root], 0)
    v = np.maximum(dist[root] - dist[n_r : n_r + n_c], 0)
    return u, v, rounds


def dual_value(
    ea: IntArray,
    eb: IntArray,
    w: IntArray,
    u: IntArray,
    v: IntArray,
    cap_r: IntArray,
    cap_c: IntArray,
) -> int:
    """Dual bound: any u, v >= 0 give one; edge slack is paid per edge (x <= 1)."""
    slack = np.maximum(w - u[ea] - v[eb], 0)
    return int((cap_r * u).sum() + (cap_c * v).sum() + slack.sum())


def assign(ea: IntArray, eb: IntArray, w: IntArray, cap_r: IntArray, cap_c: IntArray) -> Assignment:
    chosen = solve_flow(ea, eb, w, cap_r, cap_c)
    u, v, rounds = potentials(ea, eb, w, chosen, cap_r, cap_c)
    return _assignment(ea, eb, w, cap_r, cap_c, chosen, u, v, rounds)


def _assignment(
    ea: IntArray,
    eb: IntArray,
    w: IntArray,
    cap_r: IntArray,
    cap_c: IntArray,
    chosen: BoolArray,
    u: IntArray,
    v: IntArray,
    rounds: int,
) -> Assignment:
    return Assignment(
        chosen=chosen,
        u=u,
        v=v,
        objective=int(w[chosen].sum()),
        bound=dual_value(ea, eb, w, u, v, cap_r, cap_c),
        bf_rounds=rounds,
    )


def reassign(
    ea: IntArray,
    eb: IntArray,
    w: IntArray,
    cap_r: IntArray,
    cap_c: IntArray,
    start: tuple[BoolArray, IntArray, IntArray],
) -> Assignment:
    """``assign`` from a previous optimum: ``start`` is its chosen edges (per edge of this
    list) and potentials. Large graphs are repaired from there by ``flow.resolve_duals``
    (compiled; it checks its own optimality), small ones solved afresh (numba takes a
    moment to load)."""
    if len(ea) <= COMPILED_ARCS:
        return assign(ea, eb, w, cap_r, cap_c)
    _, u0, v0 = start
    # The repair runs one search per row whose dual the new edges break: when that is most
    # of the rows, a fresh solve is faster.
    broken = np.zeros(len(cap_r), dtype=np.bool_)
    broken[ea[w > u0[ea] + v0[eb]]] = True
    if broken.sum() > REPAIR_SHARE * len(cap_r):
        return assign(ea, eb, w, cap_r, cap_c)
    from .flow import resolve_duals

    chosen, u, v = resolve_duals(ea, eb, w, cap_r, cap_c, *start)
    return _assignment(ea, eb, w, cap_r, cap_c, chosen, u, v, 0)
