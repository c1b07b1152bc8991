"""Warm-started exact max-weight bipartite b-matching (the re-solves of ``assign.py``).

The engine solves a sequence of b-matchings whose edge sets differ a little from one to
the next (pricing adds the edges that break the last certificate, the shrink drops far
ones). Solving each from scratch with OR-Tools costs 10-14 s at 100,000 x 100,000;
this module starts from the previous optimum and its dual potentials instead, so only
the repair the new edges call for is paid.

The network is the one of ``assign.potentials``: rows, columns and one root standing for
both source and sink (root -> row, capacity cap_r; row -> column per edge, capacity 1,
cost -w; column -> root, capacity cap_c), and a b-matching is a circulation in it. Node
potentials ``p`` (root 0, row u, column -v) give reduced costs ``cost + p[tail] - p[head]``;
a circulation is optimal exactly when no residual arc has a negative reduced cost.

``resolve_duals`` first gives each row whose edges break the old potentials the potential its
best edge asks for, then saturates every residual arc whose reduced cost is still
negative (mostly the chosen edges those rows leave behind). That leaves every reduced
cost non-negative, at the price of excesses and deficits, which come in pairs: pushing
x -> y leaves y with one excess and x with one deficit, and the arc y -> x is residual,
so a path from y to x exists. Each pair is then settled by successive shortest paths: a
Dijkstra from each end (a bidirectional search, stopped as soon as no shorter path can
exist), one unit pushed along the path, and the potentials of the nodes either search
settled moved so that the path costs 0 and no reduced cost turns negative. Searches stay
near the pair: the root, which has an arc to nearly every person, is a meeting point for
both searches but is never expanded (paths through it are counted there). When every
excess is gone the flow is optimal; a last pass checks every residual arc once, the
certificate, and raises if any is negative.

Should imbalance be left that the pairs cannot settle (a node that is the excess end of
one pair and the deficit end of another, which an arbitrary start can make), the
primal-dual method takes over: one Dijkstra from all the excess nodes together per phase,
up to the first deficit, then flow along every zero-cost path a depth-first search finds.
There the root is expanded through a list of the people it reaches sorted by potential,
taken one at a time only as far as the search goes (see ``_sort_root``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .index import BoolArray, IntArray

BIG = np.int64(1) << np.int64(60)
# The root's sorted list of people is rebuilt when this share of them changed potential
# since it was sorted (the changed ones are handled one by one until then).
RESORT_SHARE = 8


# --- indexed binary heap on (key, node): decrease-key keeps it at most one entry a node ---


@njit(cache=True, nogil=True, error_model="numpy")
def _sift_up(hk, hn, hpos, i):
    key = hk[i]
    node = hn[i]
    while i > 0:
        par = (i - 1) >> 1
        if hk[par] < key or (hk[par] == key and hn[par] <= node):
            break
        hk[i] = hk[par]
        hn[i] = hn[par]
        hpos[hn[i]] = i
        i = par
    hk[i] = key
    hn[i] = node
    hpos[node] = i


@njit(cache=True, nogil=True, error_model="numpy")
def _sift_down(hk, hn, hpos, i, size):
    key = hk[i]
    node = hn[i]
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and (hk[c + 1] < hk[c] or (hk[c + 1] == hk[c] and hn[c + 1] < hn[c])):
            c += 1
        if key < hk[c] or (key == hk[c] and node <= hn[c]):
            break
        hk[i] = hk[c]
        hn[i] = hn[c]
        hpos[hn[i]] = i
        i = c
    hk[i] = key
    hn[i] = node
    hpos[node] = i


@njit(cache=True, nogil=True, error_model="numpy")
def _push(hk, hn, hpos, size, node, key):
    """Insert node or lower its key; returns the new heap size."""
    i = hpos[node]
    if i < 0:
        hk[size] = key
        hn[size] = node
        _sift_up(hk, hn, hpos, size)
        return size + 1
    if key < hk[i]:
        hk[i] = key
        _sift_up(hk, hn, hpos, i)
    return size


@njit(cache=True, nogil=True, error_model="numpy")
def _pop(hk, hn, hpos, size):
    """Remove the minimum (read it from hk[0], hn[0] before); returns the new size."""
    hpos[hn[0]] = -1
    size -= 1
    if size > 0:
        hk[0] = hk[size]
        hn[0] = hn[size]
        hpos[hn[0]] = 0
        _sift_down(hk, hn, hpos, 0, size)
    return size


# --- the residual network -------------------------------------------------------------
# Nodes: rows 0..n_r-1, columns n_r..n_r+n_c-1, the root n_r+n_c. An arc is named by the
# edge it belongs to (>= 0), or -1 for a root arc (its other end says which). Flows:
# chosen[e] for edges, f[r] on root -> r, g[c] on c -> root.


@njit(cache=True, nogil=True, error_model="numpy")
def _eligible(x, n_r, f, g, cap_r):
    """Whether the root has a residual arc to person x (room left, or a partner to drop)."""
    if x < n_r:
        return f[x] < cap_r[x]
    return g[x - n_r] > 0


@njit(cache=True, nogil=True, error_model="numpy")
def _apply(x, y, arc, n_r, root, chosen, f, g, r_ch, c_ch, slot_r, slot_c):
    """Push one unit along the residual arc x -> y."""
    if arc >= 0:
        on = x < n_r  # row -> column chooses the edge, column -> row drops it
        chosen[arc] = on
        r_ch[slot_r[arc]] = on
        c_ch[slot_c[arc]] = on
    elif x == root:
        if y < n_r:
            f[y] += 1
        else:
            g[y - n_r] -= 1
    elif x < n_r:
        f[x] -= 1
    else:
        g[x - n_r] += 1


@njit(cache=True, nogil=True, error_model="numpy")
def _mark(x, dirty, dlist, nd):
    if not dirty[x]:
        dirty[x] = True
        dlist[nd] = x
        nd += 1
    return nd


@njit(cache=True, nogil=True, error_model="numpy")
def _out_arcs_relax(
    x,
    key,
    n_r,
    root,
    net,
    f,
    g,
    cap_c,
    p,
    search,
    size,
    sid,
    odist,
    oseen,
    best,
):
    """Forward step: relax the residual arcs out of x (never the root's own).

    ``net`` is the network's tuple, ``search`` this search's arrays (dist, seen, done,
    par, par_arc and its heap)."""
    r_ptr, r_e, c_ptr, c_e, r_col, r_w, r_ch, c_row, c_w, c_ch, _, _ = net
    dist, seen, done, par, par_arc, hk, hn, hpos = search
    if x < n_r:
        for j in range(r_ptr[x], r_ptr[x + 1]):
            if r_ch[j]:
                continue
            y = r_col[j]
            if done[y] == sid:
                continue
            e = r_e[j]
            nk = key - r_w[j] + p[x] - p[y]
            if seen[y] != sid or nk < dist[y]:
                dist[y] = nk
                seen[y] = sid
                par[y] = x
                par_arc[y] = e
                size = _push(hk, hn, hpos, size, y, nk)
                if oseen[y] == sid and nk + odist[y] < best[0]:
                    best[0] = nk + odist[y]
                    best[1] = y
        if f[x] > 0:
            y = root
            nk = key + p[x] - p[root]
            if done[y] != sid and (seen[y] != sid or nk < dist[y]):
                dist[y] = nk
                seen[y] = sid
                par[y] = x
                par_arc[y] = -1
                size = _push(hk, hn, hpos, size, y, nk)
                if oseen[y] == sid and nk + odist[y] < best[0]:
                    best[0] = nk + odist[y]
                    best[1] = y
    elif x < root:
        c = x - n_r
        for j in range(c_ptr[c], c_ptr[c + 1]):
            if not c_ch[j]:
                continue
            y = c_row[j]
            if done[y] == sid:
                continue
            e = c_e[j]
            nk = key + c_w[j] + p[x] - p[y]
            if seen[y] != sid or nk < dist[y]:
                dist[y] = nk
                seen[y] = sid
                par[y] = x
                par_arc[y] = e
                size = _push(hk, hn, hpos, size, y, nk)
                if oseen[y] == sid and nk + odist[y] < best[0]:
                    best[0] = nk + odist[y]
                    best[1] = y
        if g[c] < cap_c[c]:
            y = root
            nk = key + p[x] - p[root]
            if done[y] != sid and (seen[y] != sid or nk < dist[y]):
                dist[y] = nk
                seen[y] = sid
                par[y] = x
                par_arc[y] = -1
                size = _push(hk, hn, hpos, size, y, nk)
                if oseen[y] == sid and nk + odist[y] < best[0]:
                    best[0] = nk + odist[y]
                    best[1] = y
    return size


@njit(cache=True, nogil=True, error_model="numpy")
def _in_arcs_relax(
    y,
    key,
    n_r,
    root,
    net,
    f,
    g,
    cap_r,
    p,
    search,
    size,
    sid,
    odist,
    oseen,
    best,
):
    """Backward step: relax the residual arcs into y (never the root's own).

    ``net`` is the network's tuple, ``search`` this search's arrays (dist, seen, done,
    par, par_arc and its heap)."""
    r_ptr, r_e, c_ptr, c_e, r_col, r_w, r_ch, c_row, c_w, c_ch, _, _ = net
    dist, seen, done, par, par_arc, hk, hn, hpos = search
    if y < n_r:
        for j in range(r_ptr[y], r_ptr[y + 1]):
            if not r_ch[j]:
                continue
            x = r_col[j]  # column -> row, dropping the edge
            if done[x] == sid:
                continue
            e = r_e[j]
            nk = key + r_w[j] + p[x] - p[y]
            if seen[x] != sid or nk < dist[x]:
                dist[x] = nk
                seen[x] = sid
                par[x] = y
                par_arc[x] = e
                size = _push(hk, hn, hpos, size, x, nk)
                if oseen[x] == sid and nk + odist[x] < best[0]:
                    best[0] = nk + odist[x]
                    best[1] = x
        if f[y] < cap_r[y]:
            x = root
            nk = key + p[root] - p[y]
            if done[x] != sid and (seen[x] != sid or nk < dist[x]):
                dist[x] = nk
                seen[x] = sid
                par[x] = y
                par_arc[x] = -1
                size = _push(hk, hn, hpos, size, x, nk)
                if oseen[x] == sid and nk + odist[x] < best[0]:
                    best[0] = nk + odist[x]
                    best[1] = x
    elif y < root:
        c = y - n_r
        for j in range(c_ptr[c], c_ptr[c + 1]):
            if c_ch[j]:
                continue
            x = c_row[j]  # row -> column, choosing the edge
            if done[x] == sid:
                continue
            e = c_e[j]
            nk = key - c_w[j] + p[x] - p[y]
            if seen[x] != sid or nk < dist[x]:
                dist[x] = nk
                seen[x] = sid
                par[x] = y
                par_arc[x] = e
                size = _push(hk, hn, hpos, size, x, nk)
                if oseen[x] == sid and nk + odist[x] < best[0]:
                    best[0] = nk + odist[x]
                    best[1] = x
        if g[c] > 0:
            x = root
            nk = key + p[root] - p[y]
            if done[x] != sid and (seen[x] != sid or nk < dist[x]):
                dist[x] = nk
                seen[x] = sid
                par[x] = y
                par_arc[x] = -1
                size = _push(hk, hn, hpos, size, x, nk)
                if oseen[x] == sid and nk + odist[x] < best[0]:
                    best[0] = nk + odist[x]
                    best[1] = x
    return size


@njit(cache=True, nogil=True, error_model="numpy")
def _pair(s, t, sid, n_r, root, net, flows, p, fwd, bwd, lf, lb, path, path_arc, mark, best):
    """One unit from excess s to deficit t along a shortest path, found by a Dijkstra from
    each end (neither expands the root, which stays a meeting point only); then the
    potentials of the nodes either search settled move so that the path costs 0 and no
    reduced cost turns negative. Returns the path's length, or -1 if there is none."""
    r_ptr, _, c_ptr, _, _, _, r_ch, _, _, c_ch, slot_r, slot_c = net
    chosen, f, g, cap_r, cap_c = flows
    df, sf, tf, pf, af, hkf, hnf, hpf = fwd
    db, sb, tb, pb, ab, hkb, hnb, hpb = bwd
    df[s] = 0
    sf[s] = sid
    pf[s] = -1
    af[s] = -1
    size_f = _push(hkf, hnf, hpf, 0, s, 0)
    db[t] = 0
    sb[t] = sid
    pb[t] = -1
    ab[t] = -1
    size_b = _push(hkb, hnb, hpb, 0, t, 0)
    best[0] = BIG
    best[1] = -1
    nf = 0
    nb = 0
    big_a = BIG
    big_b = BIG
    # either side may take the next step (the stop rule holds whatever the order), so
    # the one that has cost less so far does: a hub column on one side is not paid twice
    work_f = 0
    work_b = 0
    while True:
        top_f = hkf[0] if size_f > 0 else BIG
        top_b = hkb[0] if size_b > 0 else BIG
        # lower bounds on what either side can still add: a side whose search reached the
        # root stops there, as paths through the root are already counted at the root
        big_a = df[root] if tf[root] == sid else top_f
        big_b = db[root] if tb[root] == sid else top_b
        if big_a + big_b >= best[0]:
            break
        grow_f = size_f > 0 and tf[root] != sid
        grow_b = size_b > 0 and tb[root] != sid
        if not grow_f and not grow_b:
            break
        if grow_f and (not grow_b or work_f <= work_b):
            x = hnf[0]
            size_f = _pop(hkf, hnf, hpf, size_f)
            tf[x] = sid
            lf[nf] = x
            nf += 1
            if x != root:
                deg = (
                    (r_ptr[x + 1] - r_ptr[x]) if x < n_r else (c_ptr[x - n_r + 1] - c_ptr[x - n_r])
                )
                work_f += deg + 1
                size_f = _out_arcs_relax(
                    x,
                    top_f,
                    n_r,
                    root,
                    net,
                    f,
                    g,
                    cap_c,
                    p,
                    fwd,
                    size_f,
                    sid,
                    db,
                    sb,
                    best,
                )
        else:
            y = hnb[0]
            size_b = _pop(hkb, hnb, hpb, size_b)
            tb[y] = sid
            lb[nb] = y
            nb += 1
            if y != root:
                deg = (
                    (r_ptr[y + 1] - r_ptr[y]) if y < n_r else (c_ptr[y - n_r + 1] - c_ptr[y - n_r])
                )
                work_b += deg + 1
                size_b = _in_arcs_relax(
                    y,
                    top_b,
                    n_r,
                    root,
                    net,
                    f,
                    g,
                    cap_r,
                    p,
                    bwd,
                    size_b,
                    sid,
                    df,
                    sf,
                    best,
                )
    while size_f > 0:
        size_f = _pop(hkf, hnf, hpf, size_f)
    while size_b > 0:
        size_b = _pop(hkb, hnb, hpb, size_b)
    mu = best[0]
    meet = best[1]
    if meet < 0:
        return -1
    # Potentials: forward-settled nodes come down by (L_f - df), backward-settled ones go
    # up by (L_b - db), with L_f + L_b = mu, L_f <= what the forward search settled (and
    # the root's distance, as the root was never expanded), L_b likewise; both together
    # keep every reduced cost >= 0 and make the path's arcs 0.
    l_f = min(big_a, mu)
    l_b = mu - l_f
    for i in range(nf):
        x = lf[i]
        if df[x] < l_f:
            p[x] -= l_f - df[x]
    for i in range(nb):
        x = lb[i]
        if db[x] < l_b:
            p[x] += l_b - db[x]
    # the path s .. meet .. t, any zero-cost loop cut out
    k = 0
    x = meet
    while x >= 0:
        path[k] = x
        k += 1
        x = pf[x]
    # reverse the forward half: path[i] reached from path[i-1] by path_arc[i]
    for i in range(k // 2):
        a = path[i]
        path[i] = path[k - 1 - i]
        path[k - 1 - i] = a
    path_arc[0] = -1
    for i in range(1, k):
        path_arc[i] = af[path[i]]  # the arc from path[i - 1]
    x = meet
    while pb[x] >= 0:
        path[k] = pb[x]
        path_arc[k] = ab[x]
        k += 1
        x = pb[x]
    n_p = 0
    for i in range(k):
        x = path[i]
        if mark[x] == sid:
            # a zero-cost loop back to x: drop it
            j = n_p - 1
            while path[j] != x:
                mark[path[j]] = 0
                j -= 1
            n_p = j + 1
            continue
        mark[x] = sid
        path[n_p] = x
        path_arc[n_p] = path_arc[i]
        n_p += 1
    for i in range(1, n_p):
        _apply(
            path[i - 1], path[i], path_arc[i], n_r, root, chosen, f, g, r_ch, c_ch, slot_r, slot_c
        )
    for i in range(n_p):
        mark[path[i]] = 0
    return mu


@njit(cache=True, nogil=True, error_model="numpy")
def _sort_root(p, n_r, f, g, cap_r, dirty, nd, dlist):
    """The people the root reaches, by potential (highest first: cheapest from the root)."""
    n = p.shape[0] - 1
    keep = np.empty(n, dtype=np.int64)
    m = 0
    for x in range(n):
        if _eligible(x, n_r, f, g, cap_r):
            keep[m] = x
            m += 1
    keep = keep[:m]
    key = np.empty(m, dtype=np.int64)
    for i in range(m):
        key[i] = -p[keep[i]]
    order = keep[np.argsort(key, kind="mergesort")]
    for i in range(nd):
        dirty[dlist[i]] = False
    return order


@njit(cache=True, nogil=True, error_model="numpy")
def _solve(ea, eb, w, cap_r, cap_c, chosen, p):
    """Repair ``chosen`` (in place) into an optimal b-matching, ``p`` into its potentials.

    Returns 0, or -1 if an excess could reach no deficit (cannot happen with a valid
    input), or -2 if the final check finds a negative reduced cost (a bug)."""
    n_r = cap_r.shape[0]
    n_c = cap_c.shape[0]
    root = n_r + n_c
    n = root + 1
    stream = n  # a heap entry standing for "the next person in the root's list"
    m_e = ea.shape[0]
    # adjacency: each row's edges, each column's edges
    r_ptr = np.zeros(n_r + 1, dtype=np.int64)
    c_ptr = np.zeros(n_c + 1, dtype=np.int64)
    for e in range(m_e):
        r_ptr[ea[e] + 1] += 1
        c_ptr[eb[e] + 1] += 1
    for i in range(n_r):
        r_ptr[i + 1] += r_ptr[i]
    for i in range(n_c):
        c_ptr[i + 1] += c_ptr[i]
    r_e = np.empty(m_e, dtype=np.int64)
    c_e = np.empty(m_e, dtype=np.int64)
    # Per slot copies of what a search reads, so it walks memory in order rather than
    # jumping to each edge; chosen is kept per slot on both sides (and per edge) and
    # changed together. Written while reading the edges in order: scattered writes are
    # cheap, scattered reads (gathering by slot afterwards) cost a cache miss each.
    r_col = np.empty(m_e, dtype=np.int64)
    r_w = np.empty(m_e, dtype=np.int64)
    r_ch = np.empty(m_e, dtype=np.bool_)
    c_row = np.empty(m_e, dtype=np.int64)
    c_w = np.empty(m_e, dtype=np.int64)
    c_ch = np.empty(m_e, dtype=np.bool_)
    slot_r = np.empty(m_e, dtype=np.int64)
    slot_c = np.empty(m_e, dtype=np.int64)
    fill_r = r_ptr[:-1].copy()
    fill_c = c_ptr[:-1].copy()
    for e in range(m_e):
        j = fill_r[ea[e]]
        fill_r[ea[e]] += 1
        r_e[j] = e
        r_col[j] = n_r + eb[e]
        r_w[j] = w[e]
        slot_r[e] = j
        k = fill_c[eb[e]]
        fill_c[eb[e]] += 1
        c_e[k] = e
        c_row[k] = ea[e]
        c_w[k] = w[e]
        slot_c[e] = k

    f = np.zeros(n_r, dtype=np.int64)
    g = np.zeros(n_c, dtype=np.int64)
    for e in range(m_e):
        if chosen[e]:
            f[ea[e]] += 1
            g[eb[e]] += 1
    # A row whose edges break its potential gets the potential its best edge asks for:
    # then only its own chosen edges (those the rise leaves slack) need repair, one pair
    # each, rather than one pair per broken edge (a row may have dozens).
    for r in range(n_r):
        hi = p[r]
        for j in range(r_ptr[r], r_ptr[r + 1]):
            e = r_e[j]
            if not chosen[e] and w[e] + p[n_r + eb[e]] > hi:
                hi = w[e] + p[n_r + eb[e]]
        p[r] = hi
    exc = np.zeros(n, dtype=np.int64)
    # Saturate every residual arc with a negative reduced cost: afterwards none is left,
    # at the price of excesses and deficits. Each push x -> y is remembered as a pair
    # (y with excess, x with deficit, units): the arc y -> x is residual now, so a path
    # from y back to x always exists and the pair can be settled alone.
    ps = np.empty(m_e + n_r + n_c, dtype=np.int64)
    pt = np.empty(m_e + n_r + n_c, dtype=np.int64)
    pu = np.empty(m_e + n_r + n_c, dtype=np.int64)
    n_p = 0
    for e in range(m_e):
        r = ea[e]
        c = n_r + eb[e]
        rc = -w[e] + p[r] - p[c]
        if rc < 0 and not chosen[e]:
            chosen[e] = True
            ps[n_p], pt[n_p], pu[n_p] = c, r, 1
            n_p += 1
        elif rc > 0 and chosen[e]:
            chosen[e] = False
            ps[n_p], pt[n_p], pu[n_p] = r, c, 1
            n_p += 1
    for r in range(n_r):
        rc = p[root] - p[r]  # root -> r; r -> root costs -rc
        if rc < 0 and f[r] < cap_r[r]:
            ps[n_p], pt[n_p], pu[n_p] = r, root, cap_r[r] - f[r]
            n_p += 1
            f[r] = cap_r[r]
        elif rc > 0 and f[r] > 0:
            ps[n_p], pt[n_p], pu[n_p] = root, r, f[r]
            n_p += 1
            f[r] = 0
    for c in range(n_c):
        x = n_r + c
        rc = p[x] - p[root]  # x -> root; root -> x costs -rc
        if rc < 0 and g[c] < cap_c[c]:
            ps[n_p], pt[n_p], pu[n_p] = root, x, cap_c[c] - g[c]
            n_p += 1
            g[c] = cap_c[c]
        elif rc > 0 and g[c] > 0:
            ps[n_p], pt[n_p], pu[n_p] = x, root, g[c]
            n_p += 1
            g[c] = 0
    for i in range(n_p):
        exc[ps[i]] += pu[i]
        exc[pt[i]] -= pu[i]

    for e in range(m_e):
        r_ch[slot_r[e]] = chosen[e]
        c_ch[slot_c[e]] = chosen[e]
    # What a search reads of a node (distance, the search that set it, the search that
    # settled it, parent) sits in one row, so each node costs one cache line, not four.
    fwd = np.zeros((n, 4), dtype=np.int64)
    bwd = np.zeros((n, 4), dtype=np.int64)
    df = fwd[:, 0]
    sf = fwd[:, 1]  # search in which df was set
    tf = fwd[:, 2]  # search in which the node was settled
    pf = fwd[:, 3]
    db = bwd[:, 0]
    sb = bwd[:, 1]
    tb = bwd[:, 2]
    pb = bwd[:, 3]
    af = np.empty(n, dtype=np.int64)
    ab = np.empty(n, dtype=np.int64)
    hkf = np.empty(n, dtype=np.int64)
    hnf = np.empty(n, dtype=np.int64)
    hpf = np.full(n, -1, dtype=np.int64)
    hkb = np.empty(n, dtype=np.int64)
    hnb = np.empty(n, dtype=np.int64)
    hpb = np.full(n, -1, dtype=np.int64)
    lf = np.empty(n, dtype=np.int64)
    lb = np.empty(n, dtype=np.int64)
    path = np.empty(2 * n + 2, dtype=np.int64)
    path_arc = np.empty(2 * n + 2, dtype=np.int64)
    mark = np.zeros(n, dtype=np.int64)
    best = np.zeros(2, dtype=np.int64)
    net = (r_ptr, r_e, c_ptr, c_e, r_col, r_w, r_ch, c_row, c_w, c_ch, slot_r, slot_c)
    flows = (chosen, f, g, cap_r, cap_c)
    fwd_s = (df, sf, tf, pf, af, hkf, hnf, hpf)
    bwd_s = (db, sb, tb, pb, ab, hkb, hnb, hpb)
    sid = 0
    for i in range(n_p):
        s = ps[i]
        t = pt[i]
        for _ in range(pu[i]):
            if exc[s] <= 0 or exc[t] >= 0:
                break
            sid += 1
            mu = _pair(
                s,
                t,
                sid,
                n_r,
                root,
                net,
                flows,
                p,
                fwd_s,
                bwd_s,
                lf,
                lb,
                path,
                path_arc,
                mark,
                best,
            )
            if mu < 0:
                return -1
            exc[s] -= 1
            exc[t] += 1

    act = np.empty(n, dtype=np.int64)
    n_act = 0
    for x in range(n):
        if exc[x] > 0:
            act[n_act] = x
            n_act += 1

    dist = np.zeros(n, dtype=np.int64)
    seen = np.zeros(n, dtype=np.int64)  # phase in which dist was set
    done = np.zeros(n, dtype=np.int64)  # phase in which the node was settled
    par = np.empty(n, dtype=np.int64)
    par_arc = np.empty(n, dtype=np.int64)
    never = np.zeros(n, dtype=np.int64)  # phases start at 1: the meeting test never holds
    hk = np.empty(n + 1, dtype=np.int64)
    hn = np.empty(n + 1, dtype=np.int64)
    hpos = np.full(n + 1, -1, dtype=np.int64)
    settled = np.empty(n, dtype=np.int64)
    dirty = np.zeros(n, dtype=np.bool_)
    dlist = np.empty(n, dtype=np.int64)
    nd = 0
    order = np.zeros(0, dtype=np.int64)
    if n_act > 0:
        order = _sort_root(p, n_r, f, g, cap_r, dirty, nd, dlist)
    cur = np.zeros(n, dtype=np.int64)
    cur_ph = np.zeros(n, dtype=np.int64)
    dead = np.zeros(n, dtype=np.int64)
    onstack = np.zeros(n, dtype=np.bool_)
    st_node = np.empty(n + 1, dtype=np.int64)
    st_arc = np.empty(n + 1, dtype=np.int64)

    phase = 0
    status = 0
    while True:
        k = 0
        for i in range(n_act):
            if exc[act[i]] > 0:
                act[k] = act[i]
                k += 1
        n_act = k
        if n_act == 0:
            break
        phase += 1
        if nd > 4096 and nd * RESORT_SHARE > order.shape[0]:
            order = _sort_root(p, n_r, f, g, cap_r, dirty, nd, dlist)
            nd = 0
        # -- Dijkstra from every node with excess, up to the first deficit ------------
        size = 0
        for i in range(n_act):
            s = act[i]
            dist[s] = 0
            seen[s] = phase
            par[s] = -1
            par_arc[s] = -1
            size = _push(hk, hn, hpos, size, s, 0)
        n_set = 0
        target = -1
        big_d = 0
        sp = 0
        d_root = 0
        while size > 0:
            key = hk[0]
            x = hn[0]
            size = _pop(hk, hn, hpos, size)
            if x == stream:
                x = order[sp]
                sp += 1
                if done[x] == phase:
                    x = -1
                else:
                    dist[x] = key
                    seen[x] = phase
                    par[x] = root
                    par_arc[x] = -1
                # the next person in the root's list, if any
                while sp < order.shape[0]:
                    y = order[sp]
                    if not dirty[y] and done[y] != phase and _eligible(y, n_r, f, g, cap_r):
                        size = _push(hk, hn, hpos, size, stream, d_root + p[root] - p[y])
                        break
                    sp += 1
                if x < 0:
                    continue
            elif done[x] == phase:
                continue
            done[x] = phase
            settled[n_set] = x
            n_set += 1
            if exc[x] < 0:
                target = x
                big_d = key
                break
            # expand x (the same step as a pair's forward search; no other search to meet)
            if x != root:
                size = _out_arcs_relax(
                    x,
                    key,
                    n_r,
                    root,
                    net,
                    f,
                    g,
                    cap_c,
                    p,
                    (dist, seen, done, par, par_arc, hk, hn, hpos),
                    size,
                    phase,
                    dist,
                    never,
                    best,
                )
            else:
                # the root: changed people one by one, the rest from the sorted list
                d_root = key
                for i in range(nd):
                    y = dlist[i]
                    if done[y] == phase or not _eligible(y, n_r, f, g, cap_r):
                        continue
                    nk = key + p[root] - p[y]
                    if seen[y] != phase or nk < dist[y]:
                        dist[y] = nk
                        seen[y] = phase
                        par[y] = root
                        par_arc[y] = -1
                        size = _push(hk, hn, hpos, size, y, nk)
                sp = 0
                while sp < order.shape[0]:
                    y = order[sp]
                    if not dirty[y] and done[y] != phase and _eligible(y, n_r, f, g, cap_r):
                        size = _push(hk, hn, hpos, size, stream, key + p[root] - p[y])
                        break
                    sp += 1
        # empty the heap (its positions must be -1 for the next phase); deficits at
        # exactly the target's distance may take flow too
        while size > 0:
            key = hk[0]
            x = hn[0]
            size = _pop(hk, hn, hpos, size)
            if target >= 0 and key == big_d and x != stream and done[x] != phase and exc[x] < 0:
                done[x] = phase
                settled[n_set] = x
                n_set += 1
        if target < 0:
            status = -1
            break
        # -- potentials: the settled nodes come down so shortest paths cost 0 ----------
        for i in range(n_set):
            x = settled[i]
            if dist[x] < big_d:
                p[x] -= big_d - dist[x]
                if x != root:
                    nd = _mark(x, dirty, dlist, nd)
        # -- the shortest path found, then whatever else costs 0 -----------------------
        y = target
        s = target
        while par[y] >= 0 and y != par[y]:
            x = par[y]
            _apply(x, y, par_arc[y], n_r, root, chosen, f, g, r_ch, c_ch, slot_r, slot_c)
            if par_arc[y] < 0:
                if x != root:
                    nd = _mark(x, dirty, dlist, nd)
                if y != root:
                    nd = _mark(y, dirty, dlist, nd)
            s = x
            y = x
        exc[s] -= 1
        exc[target] += 1
        for i in range(n_act):
            s = act[i]
            if exc[s] <= 0 or done[s] != phase or dist[s] != 0:
                continue
            top = 0
            st_node[0] = s
            st_arc[0] = -2
            onstack[s] = True
            while top >= 0 and exc[s] > 0:
                x = st_node[top]
                if top > 0 and exc[x] < 0:
                    for t in range(1, top + 1):
                        a = st_node[t - 1]
                        b = st_node[t]
                        _apply(a, b, st_arc[t], n_r, root, chosen, f, g, r_ch, c_ch, slot_r, slot_c)
                        if st_arc[t] < 0:
                            if a != root:
                                nd = _mark(a, dirty, dlist, nd)
                            if b != root:
                                nd = _mark(b, dirty, dlist, nd)
                    exc[s] -= 1
                    exc[x] += 1
                    for t in range(1, top + 1):
                        onstack[st_node[t]] = False
                    top = 0
                    continue
                if cur_ph[x] != phase:
                    cur_ph[x] = phase
                    if x < n_r:
                        cur[x] = r_ptr[x]
                    elif x < root:
                        cur[x] = c_ptr[x - n_r]
                    else:
                        cur[x] = 0
                nxt = -1
                arc = -1
                if x < n_r:
                    hi = r_ptr[x + 1]
                    while cur[x] <= hi:
                        j = cur[x]
                        if j < hi:
                            e = r_e[j]
                            y = n_r + eb[e]
                            if (
                                not chosen[e]
                                and done[y] == phase
                                and dead[y] != phase
                                and not onstack[y]
                                and -w[e] + p[x] - p[y] == 0
                            ):
                                nxt = y
                                arc = e
                                break
                        elif (
                            f[x] > 0
                            and done[root] == phase
                            and dead[root] != phase
                            and not onstack[root]
                            and p[x] == p[root]
                        ):
                            nxt = root
                            break
                        cur[x] += 1
                elif x < root:
                    c = x - n_r
                    hi = c_ptr[c + 1]
                    while cur[x] <= hi:
                        j = cur[x]
                        if j < hi:
                            e = c_e[j]
                            y = ea[e]
                            if (
                                chosen[e]
                                and done[y] == phase
                                and dead[y] != phase
                                and not onstack[y]
                                and w[e] + p[x] - p[y] == 0
                            ):
                                nxt = y
                                arc = e
                                break
                        elif (
                            g[c] < cap_c[c]
                            and done[root] == phase
                            and dead[root] != phase
                            and not onstack[root]
                            and p[x] == p[root]
                        ):
                            nxt = root
                            break
                        cur[x] += 1
                else:
                    while cur[x] < n_set:
                        y = settled[cur[x]]
                        if (
                            y != root
                            and dead[y] != phase
                            and not onstack[y]
                            and p[y] == p[root]
                            and _eligible(y, n_r, f, g, cap_r)
                        ):
                            nxt = y
                            break
                        cur[x] += 1
                if nxt >= 0:
                    top += 1
                    st_node[top] = nxt
                    st_arc[top] = arc
                    onstack[nxt] = True
                else:
                    dead[x] = phase
                    onstack[x] = False
                    top -= 1
            for t in range(0, top + 1):
                onstack[st_node[t]] = False
            onstack[s] = False

    if status == 0:
        # the certificate: no residual arc with a negative reduced cost, no imbalance
        for x in range(n):
            if exc[x] != 0:
                return -2
        for e in range(m_e):
            rc = -w[e] + p[ea[e]] - p[n_r + eb[e]]
            if (rc < 0 and not chosen[e]) or (rc > 0 and chosen[e]):
                return -2
        for r in range(n_r):
            rc = p[root] - p[r]
            if (rc < 0 and f[r] < cap_r[r]) or (rc > 0 and f[r] > 0):
                return -2
        for c in range(n_c):
            rc = p[n_r + c] - p[root]
            if (rc < 0 and g[c] < cap_c[c]) or (rc > 0 and g[c] > 0):
                return -2
    return status


def resolve_duals(
    ea: IntArray,
    eb: IntArray,
    w: IntArray,
    cap_r: IntArray,
    cap_c: IntArray,
    chosen0: BoolArray,
    u0: IntArray,
    v0: IntArray,
) -> tuple[BoolArray, IntArray, IntArray]:
    """An optimal b-matching (chosen per edge) and its potentials u, v (>= 0, as
    ``assign.potentials`` gives them: u + v >= w on every edge, equal on the chosen ones,
    zero for anyone with room), starting from ``chosen0`` and ``u0``, ``v0``.

    Any start is correct (all False and zeros is a cold start); the closer to the optimum,
    the faster. ``chosen0`` must respect the capacities.
    Raises RuntimeError if the result fails its optimality check (a bug, never expected).
    """
    n_r, n_c = len(cap_r), len(cap_c)
    if (len(u0), len(v0)) != (n_r, n_c) or not len(ea) == len(eb) == len(w) == len(chosen0):
        raise ValueError("the starting potentials or edge arrays do not fit the problem")
    chosen = np.asarray(chosen0, dtype=np.bool_).copy()
    over = len(ea) and (
        (np.bincount(ea[chosen], minlength=n_r) > cap_r).any()
        or (np.bincount(eb[chosen], minlength=n_c) > cap_c).any()
    )
    if over:
        raise ValueError("the starting matching exceeds a capacity")
    p = np.concatenate([u0.astype(np.int64), -v0.astype(np.int64), np.zeros(1, np.int64)])
    status = _solve(
        ea.astype(np.int64),
        eb.astype(np.int64),
        w.astype(np.int64),
        cap_r.astype(np.int64),
        cap_c.astype(np.int64),
        chosen,
        p,
    )
    if status != 0:
        raise RuntimeError(f"warm-started flow failed its optimality check ({status})")
    u = np.maximum(p[:n_r] - p[-1], 0)
    v = np.maximum(p[-1] - p[n_r:-1], 0)
    return chosen, u, v


def carry_over(
    prev_ea: IntArray, prev_eb: IntArray, prev_chosen: BoolArray, ea: IntArray, eb: IntArray
) -> BoolArray:
    """The previous solve's chosen edges, found by their (row, column) pair in a new edge
    list (an edge chosen before and gone now is simply not chosen)."""
    width = int(max(prev_eb.max(initial=0), eb.max(initial=0))) + 1
    old = np.sort(prev_ea[prev_chosen] * width + prev_eb[prev_chosen])
    key = ea * width + eb
    pos = np.minimum(np.searchsorted(old, key), max(len(old) - 1, 0))
    return old[pos] == key if len(old) else np.zeros(len(ea), dtype=np.bool_)
