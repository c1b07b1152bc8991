"""The engine's entry point: problem in, certified and explained pairs out."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from .assign import SCALE, Assignment, assign, reassign
from .candidates import (
    Candidates,
    Progress,
    dense_exact,
    exact_scores,
    first_of_each,
    generate,
    member,
    positions,
    price,
)
from .explain import FULL_CHECK_LIMIT, fairness_stats, pair_reasons, rule_counts, unmatched_entry
from .index import BoolArray, FloatArray, Index, IntArray, build_index
from .model import Pair, PairScore, Problem, Result, Unmatched
from .score import PART_NAMES, edge_parts

if TYPE_CHECKING:
    from .scan import Layout  # numba: imported only when a large problem needs it

MAX_PRICING_ROUNDS = 20
# Each row's and column's best candidates the first solve starts from (at most the
# ``candidates`` rule, so by default the whole pool: one larger solve beats several small).
ACTIVE_START = 24
# Micro-points below profitable that an edge may be and still join the active graph.
NEAR = 20_000
# After the first solve and after each that follows pricing, edges further than this
# below profitable leave the active graph. A lean graph makes the warm re-solves cheap
# (``flow.py``'s searches grow with the edges near a path, more than with the rows to
# repair): at 100k the repair after the first pricing round, with 41 % of the rows' duals
# broken, takes 5-6 s on the 1.0 million edges within 0.02 points where OR-Tools from
# scratch took 10-11 s on the 1.9 million within 0.1, and later re-solves 0.05-1.6 s instead
# of 0.3-5 s. Edges that turn profitable come back (see ``certified_assign``).
DROP = 20_000


@dataclass(slots=True)
class Certified:
    a: IntArray  # edges (global indices) given to the last solve
    b: IntArray
    w: IntArray
    asg: Assignment
    extra: int  # added to the dual value for pairs the last pricing found uncovered
    rounds: int
    priced_rows: int
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def bound(self) -> int:
        return self.asg.bound + self.extra


def _in_sorted(keys: IntArray, subset: IntArray) -> BoolArray:
    """Per entry of the sorted ``keys``, whether it is in ``subset`` (sorted too).

    A search of the few into the many: ``np.isin`` would sort both together, which at
    100,000 people per side costs a tenth of a second a call."""
    hit = np.zeros(len(keys), dtype=np.bool_)
    if len(keys) and len(subset):
        pos = np.minimum(np.searchsorted(keys, subset), len(keys) - 1)
        hit[pos[keys[pos] == subset]] = True
    return hit


def _people(n: int, *sides: IntArray) -> IntArray:
    """The sorted distinct people in any of ``sides`` (as np.union1d, without its sort)."""
    seen = np.zeros(n, dtype=np.bool_)
    for side in sides:
        seen[side] = True
    return np.flatnonzero(seen)


def _rows_to_price(
    tau_r: IntArray, u: IntArray, tau_c: IntArray, v: IntArray
) -> tuple[IntArray, IntArray]:
    """Rows and columns whose pruned pairs the duals may not cover.

    A pair left out scores at most min(tau_r[a], tau_c[b]); it is covered when that is
    at most u[a] + v[b]. Rows with u >= tau_r and columns with v >= tau_c cover all their
    pairs; for the others, a row needs pricing when some uncovered column b has
    v[b] < tau_r[a] - u[a] and tau_c[b] - v[b] > u[a] (prefix maxima over v, sorted).
    """
    rows = np.flatnonzero(u < tau_r)
    cols = np.flatnonzero(v < tau_c)
    if not len(rows) or not len(cols):
        return rows[:0], cols[:0]
    order = np.argsort(v[cols], kind="stable")
    vs = v[cols][order]
    best = np.maximum.accumulate(tau_c[cols][order] - vs)
    reach = np.searchsorted(vs, tau_r[rows] - u[rows], side="left")
    need = (reach > 0) & (best[np.maximum(reach - 1, 0)] > u[rows])
    rows = rows[need]
    if not len(rows):
        return rows, cols[:0]
    # Columns that some priced row could still violate.
    lo_u, hi_t = int(u[rows].min()), int((tau_r[rows] - u[rows]).max())
    cols = cols[(tau_c[cols] - v[cols] > lo_u) & (v[cols] < hi_t)]
    return rows, cols


# Micro-points a column's price may have fallen since a row's last full look and still be
# left out of the row's next look (see ``_Looks``).
DELTA = 5_000


class _Looks:
    """What pricing rounds learnt, so later rounds look again only where it may matter.

    A row's full look (against every column) leaves a ceiling: no pair of it outside the
    candidates has score - v above it, at that round's prices v. At later prices v', such
    a pair has score - v' <= ceiling + (v - v'). So while the row's dual stays at least
    ceiling + DELTA, only the columns whose price fell by more than DELTA since then can
    hold a violation, and the row is priced against those alone; otherwise it gets a
    full look again. At 100k the second round so looks again at about a tenth of the
    rows and columns, and later rounds at fewer still.

    A partial look can move the row's reference to the round at hand: the columns it
    looked at get the look's own ceiling, the others keep theirs plus DELTA (their price
    fell by at most that), and a column covered by its bound (not in ``pc``) has
    score - v <= 0. It does so while the row keeps DELTA to spare above that ceiling, as
    it then gets a partial look against fewer columns next round. Without this the same
    rows were priced against the same fallen columns in every later round (at 100k,
    60,000 rows x 10,000 columns, 0.6 s a round).
    """

    def __init__(self, n_rows: int) -> None:
        self.ceiling = np.full(n_rows, np.inf)
        self.ref = np.full(n_rows, -1, dtype=np.int64)  # the round its ceiling refers to
        self.prices: list[IntArray] = []
        self.full = 0  # rows given a full look, over all rounds

    def price_round(
        self,
        idx: Index,
        lay: Layout | None,
        rows: IntArray,
        cols: IntArray,
        pr: IntArray,
        pc: IntArray,
        u: IntArray,
        v: IntArray,
        existing: tuple[IntArray, ...],
    ) -> tuple[IntArray, IntArray, FloatArray, IntArray, FloatArray]:
        """Violating (and near) pairs of rows ``pr`` with columns ``pc`` at duals u, v
        (micro-points, all rows and columns); with the rows whose ``viol`` bound came
        back (a row may come back twice)."""
        ref = self.ref[pr]
        ceil = np.where(np.isfinite(self.ceiling[pr]), np.ceil(self.ceiling[pr] * SCALE), np.inf)
        partial = (ref >= 0) & (ceil + DELTA <= u[pr])
        full = pr[~partial]
        self.full += len(full)
        everyone = np.arange(len(cols))
        found: list[tuple[IntArray, IntArray, FloatArray]] = []
        viol_rows: list[IntArray] = []
        viols: list[FloatArray] = []
        now = len(self.prices)  # the index this round's prices get, once stored
        if len(full):
            ceiling = np.empty(len(full))
            na, nb, ns, viol = price(
                idx, lay, rows, cols, full, everyone, u[full] / SCALE, v / SCALE,
                existing=existing, near=NEAR / SCALE, ceiling=ceiling,
            )  # fmt: skip
            self.ceiling[full] = ceiling
            self.ref[full] = now
            self.prices.append(v.copy())
            found.append((na, nb, ns))
            viol_rows.append(full)
            viols.append(viol)
        for r in np.unique(ref[partial]).tolist():
            some = pr[partial & (ref == r)]
            fell = pc[self.prices[r][pc] - v[pc] > DELTA]
            if not len(fell):
                continue
            ceiling = np.empty(len(some))
            na, nb, ns, viol = price(
                idx, lay, rows, cols, some, fell, u[some] / SCALE, v[fell] / SCALE,
                existing=existing, near=NEAR / SCALE, ceiling=ceiling,
            )  # fmt: skip
            moved = np.maximum(self.ceiling[some] + DELTA / SCALE, np.maximum(ceiling, 0.0))
            # Only where the row would still get a partial look next round: elsewhere the
            # ceiling's rise would cost it a full look, dearer than the fallen columns.
            keep = np.ceil(moved * SCALE) + DELTA <= u[some]
            self.ceiling[some[keep]] = moved[keep]
            self.ref[some[keep]] = now
            if keep.any() and len(self.prices) == now:
                self.prices.append(v.copy())
            found.append((na, nb, ns))
            viol_rows.append(some)
            viols.append(viol)
        empty = np.zeros(0, dtype=np.int64)
        if not found:
            return empty, empty, np.zeros(0), empty, np.zeros(0)
        return (
            np.concatenate([f[0] for f in found]),
            np.concatenate([f[1] for f in found]),
            np.concatenate([f[2] for f in found]),
            np.concatenate(viol_rows),
            np.concatenate(viols),
        )


def _top_mask(ra: IntArray, cb: IntArray, w: IntArray, k: int) -> BoolArray:
    """Edges among the k heaviest of their row or of their column (ties: lower index)."""
    keep = np.zeros(len(w), dtype=np.bool_)
    for group, other in ((ra, cb), (cb, ra)):
        order = np.lexsort((other, -w, group))
        g = group[order]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else g
        rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
        keep[order[rank < k]] = True
    return keep


def certified_assign(
    idx: Index,
    rows: IntArray,
    cols: IntArray,
    cap: IntArray,
    cands: Candidates,
    *,
    mutual: bool,
    banned: IntArray,
) -> Certified:
    """Solve on the candidates, then price the rows whose pruned pairs the duals miss.

    The solver works on an active part of the candidates: each row's and column's
    ``ACTIVE_START`` best, plus every candidate the duals price as profitable (w > u + v),
    round by round, until no candidate is; so the candidates outside the active part need
    no slack in the dual value. A pair left out of the candidates scores at most
    min(tau[a], tau_col[b]) and is covered when that is at most u[a] + v[b]. Rows for which
    some column may fail this are priced against those columns exactly; violating pairs
    join the candidates and the solve repeats. If rounds run out, the dual value is raised
    by each priced row's largest violation (times its capacity): still a valid bound.
    """
    n = idx.n
    a, b, s = cands.a, cands.b, cands.score
    exact = cands.exact if cands.exact is not None else np.ones(len(a), dtype=np.bool_)
    tau_r, tau_c = cands.tau, cands.tau_col
    if mutual:
        a, b, s, exact = np.r_[a, b], np.r_[b, a], np.r_[s, s], np.r_[exact, exact]
        # Left out of the doubled graph means left out both ways round.
        tau_r = tau_c = np.minimum(tau_r, tau_c)
    key = a * n + b
    first = first_of_each(key)
    a, b, s, exact = a[first], b[first], s[first], exact[first]
    if len(banned):
        keep = ~np.isin(a * n + b, banned)
        a, b, s, exact = a[keep], b[keep], s[keep], exact[keep]
    row_pos, col_pos = positions(n, rows), positions(n, cols)
    cap_r, cap_c = cap[rows], cap[cols]

    def scaled(t: FloatArray) -> IntArray:
        return np.where(np.isfinite(t), np.ceil(t * SCALE), -1).astype(np.int64)

    def score_exactly(sel: IntArray) -> None:
        sel = sel[~exact[sel]]
        if len(sel):
            s[sel] = exact_scores(idx, a[sel], b[sel])
            exact[sel] = True
            # An exact score is at most its estimate: no other weight changes.
            w[sel] = np.rint(s[sel] * SCALE).astype(np.int64)

    tau_r_int, tau_c_int = scaled(tau_r), scaled(tau_c)
    # Exact weights, or upper bounds (rounded up) where the score is an estimate.
    w = np.where(exact, np.rint(s * SCALE), np.ceil(s * SCALE)).astype(np.int64)
    if idx.problem.rules.candidates <= ACTIVE_START:
        active = w > 0  # the pool is each row's and column's best already
    else:
        active = _top_mask(row_pos[a], col_pos[b], w, ACTIVE_START) & (w > 0)
    score_exactly(np.flatnonzero(active))
    if mutual:
        # Keep the doubled graph symmetric: add each pair both ways round.
        back = np.searchsorted(a * n + b, b * n + a)
        active |= active[back]
        score_exactly(np.flatnonzero(active))
    active &= w > 0
    priced = 0
    rounds = 0
    active_rounds = 0
    extra = 0
    shrink = not mutual
    looks = _Looks(len(rows))
    chosen_keys: IntArray | None = None
    while True:
        act = np.flatnonzero(active)
        ea, eb, key = row_pos[a[act]], col_pos[b[act]], a[act] * n + b[act]
        if chosen_keys is None:
            asg = assign(ea, eb, w[act], cap_r, cap_c)
        else:
            # From the last optimum: the edges it chose (all still in the graph, as the
            # shrink drops only edges far from profitable) and its potentials.
            start = _in_sorted(key, chosen_keys)
            asg = reassign(ea, eb, w[act], cap_r, cap_c, (start, asg.u, asg.v))
        chosen_keys = key[asg.chosen]
        red = w - asg.u[row_pos[a]] - asg.v[col_pos[b]]
        if shrink:
            # The next solves only need the edges near profitable under these duals; any
            # other that becomes profitable comes back just below. (Only after the first
            # solve and after pricing: between pricing rounds the active graph only grows,
            # so the loop cannot drop and take back the same edges for ever.)
            active &= red > -DROP
            shrink = False
        maybe = np.flatnonzero(~active & (red > 0))
        if len(maybe):
            # With the profitable edges come all those the shrink would have kept: the
            # duals move when edges join, and taking them now saves solves.
            margin = DROP if not mutual else NEAR
            maybe = np.flatnonzero(~active & (red > -margin))
            score_exactly(maybe)
            red = w - asg.u[row_pos[a]] - asg.v[col_pos[b]]
            add = maybe[(red[maybe] > -margin) & (w[maybe] > 0)]
            if (red[add] > 0).any():
                if mutual:
                    key = a * n + b
                    add = np.union1d(add, np.searchsorted(key, b[add] * n + a[add]))
                    score_exactly(add)
                    add = add[w[add] > 0]
                active[add] = True
                active_rounds += 1
                continue
        pr, pc = _rows_to_price(tau_r_int, asg.u, tau_c_int, asg.v)
        if not len(pr):
            break
        na, nb, ns, viol_rows, viol = looks.price_round(
            idx, cands.layout, rows, cols, pr, pc, asg.u, asg.v, (a * n + b, banned)
        )
        priced += len(pr)
        if not len(na):
            break
        if rounds == MAX_PRICING_ROUNDS:
            extra = int((cap_r[viol_rows] * np.ceil(viol * SCALE)).sum())
            break
        rounds += 1
        shrink = not mutual  # the solve after pricing cuts the graph again
        if mutual:
            na, nb, ns = np.r_[na, nb], np.r_[nb, na], np.r_[ns, ns]
        if len(banned):
            keep = ~np.isin(na * n + nb, banned)
            na, nb, ns = na[keep], nb[keep], ns[keep]
        # The new pairs go into the sorted pool where they belong (a pair found twice, or
        # already there, is kept once, as it was).
        pool, new_key = a * n + b, na * n + nb
        first = first_of_each(new_key)
        first = first[~member(new_key[first], (pool,))]
        na, nb, ns = na[first], nb[first], ns[first]
        at = np.searchsorted(pool, new_key[first])
        nw = np.rint(ns * SCALE).astype(np.int64)
        a, b, s = np.insert(a, at, na), np.insert(b, at, nb), np.insert(s, at, ns)
        w, active = np.insert(w, at, nw), np.insert(active, at, nw > 0)
        exact = np.insert(exact, at, True)
    # The edges of the last solve (the active graph may have shrunk after it).
    cert = Certified(a[act], b[act], w[act], asg, extra, rounds, priced)
    cert.info = {
        "pool": len(a),
        "active_rounds": active_rounds,
        "people": _people(n, a, b),
        "full_looks": looks.full,
    }
    return cert


def _locked(idx: Index) -> list[tuple[int, int]]:
    out = []
    for x, y in idx.problem.locked:
        i, j = idx.pos[x], idx.pos[y]
        if (idx.problem.mode == "reverse" and not idx.young[i]) or (
            idx.problem.mode == "mutual" and idx.ids[i] > idx.ids[j]
        ):
            i, j = j, i
        out.append((i, j))
    return out


def _reverse(
    idx: Index, cap: IntArray, banned: IntArray, seed: int, progress: Progress | None
) -> tuple[list[tuple[int, int]], int, float, dict[str, Any]]:
    k = idx.problem.rules.candidates
    young = np.flatnonzero(idx.young & (cap > 0))
    old = np.flatnonzero(~idx.young & (cap > 0))
    # Rows are the side with fewer places: they get most of the surplus in the duals, so
    # their potentials tend to exceed their bound on pruned pairs and little is priced.
    swap = int(cap[young].sum()) > int(cap[old].sum())
    rows, cols = (old, young) if swap else (young, old)
    cands = generate(idx, rows, cols, k, seed=seed, progress=progress)
    cert = certified_assign(idx, rows, cols, cap, cands, mutual=False, banned=banned)
    chosen = cert.asg.chosen
    pa, pb = cert.a[chosen], cert.b[chosen]
    pairs = [(int(y), int(x)) if swap else (int(x), int(y)) for x, y in zip(pa, pb, strict=True)]
    info = {
        "method": "min-cost flow; certified by dual potentials over all pairs",
        "candidates": cert.info["pool"],
        "active_edges": len(cert.a),
        "active_rounds": cert.info["active_rounds"],
        "pairs_scanned": cands.pairs_scanned,
        "pricing_rounds": cert.rounds,
        "priced_rows": cert.priced_rows,
        "priced_rows_full": cert.info["full_looks"],
        "bellman_ford_rounds": cert.asg.bf_rounds,
        "_edge_people": cert.info["people"].tolist(),
        "_reachable": cands.reachable,
    }
    return pairs, cert.asg.objective, float(cert.bound), info


def _milp(
    ea: IntArray, eb: IntArray, w: IntArray, cap: IntArray, time_limit: float
) -> tuple[list[int], float, bool]:
    """Exact max-weight b-matching on a general graph: HiGHS branch and bound."""
    # Imported here: scipy.optimize takes most of a second to import, and only small
    # mutual pools need it.
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix

    m, n = len(ea), len(cap)
    if m == 0:
        return [], 0.0, True
    rows = np.r_[ea, eb]
    cols = np.r_[np.arange(m), np.arange(m)]
    inc = csr_matrix((np.ones(2 * m), (rows, cols)), shape=(n, m))
    res = milp(
        c=-w.astype(np.float64),
        integrality=np.ones(m),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(inc, -np.inf, cap.astype(np.float64)),
        options={"time_limit": time_limit, "disp": False},
    )
    if res.x is None:
        return [], float(w.sum()), False
    chosen = np.flatnonzero(res.x > 0.5).tolist()
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and math.isfinite(dual) else float(w.sum())
    return chosen, bound, res.status == 0


def _greedy(ea: IntArray, eb: IntArray, w: IntArray, cap: IntArray, load: IntArray) -> list[int]:
    order = np.lexsort((eb, ea, -w))
    taken = []
    for e in order.tolist():
        x, y = int(ea[e]), int(eb[e])
        if load[x] < cap[x] and load[y] < cap[y]:
            load[x] += 1
            load[y] += 1
            taken.append(e)
    return taken


def _mutual(
    idx: Index, cap: IntArray, banned: IntArray, seed: int, progress: Progress | None
) -> tuple[list[tuple[int, int]], int, float, dict[str, Any]]:
    rules = idx.problem.rules
    pool = np.flatnonzero(cap > 0)
    exact = len(pool) <= rules.exact_limit
    k = len(pool) if exact else rules.candidates
    cands = generate(idx, pool, pool, k, seed=seed, mutual=True, progress=progress)
    # The pool doubled into two sides: its optimum is twice the fractional matching
    # optimum, so half its certified dual value bounds every matching of the pool.
    cert = certified_assign(idx, pool, pool, cap, cands, mutual=True, banned=banned)
    half_bound = cert.bound / 2.0
    lo = cert.a < cert.b
    ea, eb, w = cert.a[lo], cert.b[lo], cert.w[lo]
    info: dict[str, Any] = {
        "candidates": int(lo.sum()),
        "pairs_scanned": cands.pairs_scanned,
        "pricing_rounds": cert.rounds,
        "doubled_bound": round(half_bound / SCALE, 6),
        "_edge_people": cert.info["people"].tolist(),
        "_reachable": cands.reachable,
    }
    if exact:
        chosen, milp_bound, proved = _milp(ea, eb, w, cap, rules.time_limit)
        info["method"] = "integer program over all allowed pairs (HiGHS)"
        info["proved_optimal"] = proved
        bound = min(half_bound, milp_bound) if not proved else float(w[chosen].sum())
    else:
        support = cert.asg.chosen
        sa, sb = (
            np.minimum(cert.a[support], cert.b[support]),
            np.maximum(cert.a[support], cert.b[support]),
        )
        skey = np.unique(sa * idx.n + sb)
        in_support = np.isin(ea * idx.n + eb, skey)
        load = np.zeros(idx.n, dtype=np.int64)
        first = _greedy(ea[in_support], eb[in_support], w[in_support], cap, load)
        chosen = np.flatnonzero(in_support)[first].tolist()
        rest = np.flatnonzero(~in_support)
        chosen += rest[_greedy(ea[rest], eb[rest], w[rest], cap, load)].tolist()
        info["method"] = "doubled assignment split into pairs; bound from its dual potentials"
        bound = half_bound
    pairs = [(int(ea[e]), int(eb[e])) for e in chosen]
    objective = int(w[chosen].sum()) if chosen else 0
    return pairs, objective, max(bound, float(objective)), info


def batch_scores(idx: Index, a: IntArray, b: IntArray) -> list[PairScore]:
    """PairScore for many pairs at once (vectorised parts, per-pair topic lists)."""
    parts = edge_parts(idx, a, b)
    total = np.rint(sum(parts[name] for name in PART_NAMES) * SCALE).astype(np.int64)
    # An int64 over SCALE in numpy is the correctly rounded quotient, as int / int is in
    # Python; lists first, so that the loop reads Python floats, not numpy scalars.
    columns = [
        (np.rint(parts[name] * SCALE).astype(np.int64) / SCALE).tolist() for name in PART_NAMES
    ]
    return [
        PairScore(
            score=score,
            parts=dict(zip(PART_NAMES, row, strict=True)),
            a_to_b=ab,
            b_to_a=ba,
            learn_a_to_b=x,
            learn_b_to_a=y,
        )
        for score, row, ab, ba, x, y in zip(
            (total / SCALE).tolist(),
            zip(*columns, strict=True),
            _teach_lists(idx, a, b),
            _teach_lists(idx, b, a),
            parts["_x"].tolist(),
            parts["_y"].tolist(),
            strict=True,
        )
    ]


def _teach_lists(idx: Index, teacher: IntArray, learner: IntArray) -> list[tuple[str, ...]]:
    """Per pair, the topics the teacher shares and the learner wants, most valued first,
    ties by name (``idx.topics`` is sorted, so by topic index)."""
    out: list[tuple[str, ...]] = []
    step = 65_536
    for lo in range(0, len(teacher), step):
        value = idx.shares[teacher[lo : lo + step]] * idx.wants_norm[learner[lo : lo + step]]
        ri, ti = np.nonzero(value > 0)
        order = np.lexsort((ti, -value[ri, ti], ri))
        names = [idx.topics[t] for t in ti[order].tolist()]
        start = 0
        for end in np.cumsum(np.bincount(ri, minlength=len(value))).tolist():
            out.append(tuple(names[start:end]))
            start = end
    return out


def _unmatched(
    idx: Index,
    partners: Counter[int],
    edge_people: set[int],
    reachable: IntArray | None = None,
) -> list[Unmatched]:
    """Everyone left without a partner, with the reason. ``reachable`` (from a full scan,
    when there was one): the people with at least one allowed pair that learns something."""
    prob = idx.problem
    out = []
    young_cap = int(idx.capacity[idx.young].sum())
    old_cap = int(idx.capacity[~idx.young].sum())
    pending: dict[bool, list[int]] = {True: [], False: []}
    busy_code: dict[int, str] = {}
    for i, p in enumerate(prob.participants):
        if partners[i]:
            continue
        if p.capacity == 0:
            out.append(unmatched_entry(idx, i, "capacity_zero", {}))
            continue
        if prob.mode == "reverse":
            shortage = (young_cap > old_cap) if p.side == "young" else (old_cap > young_cap)
        else:
            shortage = False
        busy_code[i] = "capacity_exhausted" if shortage else "outscored"
        if i in edge_people:
            out.append(unmatched_entry(idx, i, busy_code[i], {}))
        else:
            pending[bool(idx.young[i]) if prob.mode == "reverse" else True].append(i)
    # Whoever had no candidate pair: after a full scan, ``reachable`` tells whether they
    # have any allowed partner; otherwise they are checked against everyone, in blocks,
    # within a budget.
    found = None if reachable is None else set(reachable.tolist())
    budget = FULL_CHECK_LIMIT * 1_000_000
    for young_side, people in pending.items():
        if prob.mode == "reverse":
            others = np.flatnonzero(idx.young != young_side)
        else:
            others = np.arange(idx.n, dtype=np.int64)
        step = max(1, 4_000_000 // max(len(others), 1))
        for lo in range(0, len(people), step):
            chunk = np.array(people[lo : lo + step], dtype=np.int64)
            if found is not None:
                has_any = [i in found for i in chunk.tolist()]
            elif budget < len(chunk) * len(others):
                out += [unmatched_entry(idx, int(i), "not_checked", {}) for i in chunk]
                continue
            else:
                budget -= len(chunk) * len(others)
                block = dense_exact(idx, chunk, others)
                block[chunk[:, None] == others[None, :]] = -np.inf
                has_any = np.isfinite(block).any(axis=1).tolist()
            for i, has in zip(chunk.tolist(), has_any, strict=True):
                if has:
                    out.append(unmatched_entry(idx, i, busy_code[i], {}))
                else:
                    counts = rule_counts(idx, i, others[others != i])
                    out.append(unmatched_entry(idx, i, "no_feasible_partner", counts or {}))
    return sorted(out, key=lambda u: u.id)


def solve(
    problem: Problem,
    *,
    seed: int = 0,
    at: datetime | None = None,
    progress: Progress | None = None,
) -> Result:
    """Pairs with the most mutual learning under the rules, certified and explained.

    ``seed`` picks the sampled columns that set the candidate thresholds (the objective
    does not depend on it); ``at`` is the instant at which time-zone offsets are read.
    """
    idx = build_index(problem, at)
    locked = _locked(idx)
    cap = idx.capacity.copy()
    banned: list[int] = []
    for i, j in locked:
        cap[i] -= 1
        cap[j] -= 1
        banned += [i * idx.n + j, j * idx.n + i]
    banned_arr = np.array(sorted(banned), dtype=np.int64)
    solver = _reverse if problem.mode == "reverse" else _mutual
    found, objective, bound, info = solver(idx, cap, banned_arr, seed, progress)
    every = locked + found
    la = np.array([p[0] for p in every], dtype=np.int64)
    lb = np.array([p[1] for p in every], dtype=np.int64)
    scores = batch_scores(idx, la, lb)
    locked_int = sum(round(s.score * SCALE) for s in scores[: len(locked)])
    pairs: list[Pair] = []
    by_ids: dict[tuple[str, str], PairScore] = {}
    for n_, ((i, j), ps) in enumerate(zip(every, scores, strict=True)):
        is_locked = n_ < len(locked)
        da, en = pair_reasons(idx, i, j, ps, locked=is_locked)
        pair = Pair(
            a=idx.ids[i],
            b=idx.ids[j],
            score=ps.score,
            parts=ps.parts,
            teaches_a_to_b=ps.a_to_b,
            teaches_b_to_a=ps.b_to_a,
            reasons_da=da,
            reasons_en=en,
            locked=is_locked,
        )
        pairs.append(pair)
        by_ids[(pair.a, pair.b)] = ps
    pairs.sort(key=lambda p: (p.a, p.b))
    partners: Counter[int] = Counter()
    for i, j in every:
        partners[i] += 1
        partners[j] += 1
    edge_people = set(info.pop("_edge_people"))
    unmatched = _unmatched(idx, partners, edge_people, info.pop("_reachable"))
    total_obj = (objective + locked_int) / SCALE
    total_bound = (bound + locked_int) / SCALE
    gap = 0.0 if total_bound <= 0 else max(0.0, (total_bound - total_obj) / total_bound)
    active = int((idx.capacity > 0).sum())
    matched = sum(1 for i in range(idx.n) if partners[i])
    stats: dict[str, Any] = {
        "participants": idx.n,
        "pairs": len(pairs),
        "locked_pairs": len(locked),
        "matched": matched,
        "unmatched": len(unmatched),
        "match_rate": round(matched / active, 4) if active else None,
        **fairness_stats(idx, pairs, by_ids),
        "solver": info,
        "seed": seed,
    }
    return Result(
        pairs=tuple(pairs),
        unmatched=tuple(unmatched),
        objective=round(total_obj, 6),
        bound=round(total_bound, 6),
        gap=round(gap, 6),
        stats=stats,
    )
