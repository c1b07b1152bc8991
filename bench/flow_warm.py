"""Warm-started re-solves (engine/flow.py) against OR-Tools on dumped solve sequences.

Usage: python bench/flow_warm.py [--cold] /tmp/flow/100k_0.npz /tmp/flow/100k_1.npz ...

Each npz holds one solve of a run (ea, eb, w, cap_r, cap_c; OR-Tools' chosen, u, v,
objective and seconds). Call k starts from call k-1's chosen edges (found by pair in the
new edge list) and its potentials, unless their sizes differ (a file of another run starts
a sequence of its own); with --cold the first file is also solved from
nothing (for information). Numba's compilation is paid before the clock starts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gensidig.engine import flow


def main(paths: list[str], cold: bool) -> None:
    one = np.ones(1, np.int64)
    flow.resolve_duals(one * 0, one * 0, one, one, one, np.zeros(1, bool), one * 0, one * 0)
    print(f"{'file':<28}{'edges':>10}{'ortools s':>11}{'warm s':>9}{'cold s':>9}  equal")
    prev = None
    for path in paths:
        d = np.load(path)
        ea, eb, w, cap_r, cap_c = (d[k] for k in ("ea", "eb", "w", "cap_r", "cap_c"))
        target = int(d["objective"])
        warm_s, cold_s, equal = "-", "-", []
        if prev is not None and (len(prev["u"]), len(prev["v"])) != (len(cap_r), len(cap_c)):
            prev = None  # another run's file: it starts a sequence of its own
        if prev is None and cold:
            zeros_r = np.zeros(len(cap_r), np.int64)
            zeros_c = np.zeros(len(cap_c), np.int64)
            t = time.perf_counter()
            chosen = flow.resolve_duals(
                ea, eb, w, cap_r, cap_c, np.zeros(len(ea), bool), zeros_r, zeros_c
            )[0]
            cold_s = f"{time.perf_counter() - t:.2f}"
            equal.append(int(w[chosen].sum()) == target)
        elif prev is not None:
            start = flow.carry_over(prev["ea"], prev["eb"], prev["chosen"], ea, eb)
            t = time.perf_counter()
            chosen = flow.resolve_duals(ea, eb, w, cap_r, cap_c, start, prev["u"], prev["v"])[0]
            warm_s = f"{time.perf_counter() - t:.2f}"
            equal.append(int(w[chosen].sum()) == target)
        name = path.rsplit("/", 1)[-1]
        ort = float(d["seconds"])
        yes = "-" if not equal else "yes" if all(equal) else "NO"
        print(f"{name:<28}{len(ea):>10}{ort:>11.2f}{warm_s:>9}{cold_s:>9}  {yes}", flush=True)
        prev = d


if __name__ == "__main__":
    args = sys.argv[1:]
    main([a for a in args if a != "--cold"], "--cold" in args)
