"""Benchmark of the matching engine on synthetic cohorts (see bench/matching.md).

    .venv/bin/python bench/matching.py --sizes 1000,10000,100000

Each size's cohort is written to a JSON file by one process, and read by another that
runs the command line end to end (so peak memory is that run's own): read the file,
score, solve, certify, explain, write. Beside it:
the raw solve time of OR-Tools min-cost flow on the same candidate graph, the time of one
float32 matrix product over all pairs (the scoring floor), a greedy baseline's objective
and ratio, the loss from pruning candidates (solve on the first candidate graph, before
pricing), and, up to --dense-max per side, an exact solve over all pairs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def write_cohort(n: int, seed: int, path: str) -> None:
    """The synthetic cohort as the JSON file the command line reads. Written by a process
    of its own: building it leaves a large, fragmented heap behind, which made the timed
    run that followed in the same process about 15 % slower and added to its peak memory."""
    from gensidig.engine.synthetic import cohort

    with open(path, "w", encoding="utf-8") as fh:
        json.dump(cohort(n, n, seed=seed), fh)


def worker(n: int, seed: int, dense_max: int, src: str) -> dict[str, Any]:
    import numpy as np

    from gensidig.engine import parse_problem
    from gensidig.engine.assign import SCALE, assign, solve_flow
    from gensidig.engine.candidates import dense_exact, generate
    from gensidig.engine.cli import main
    from gensidig.engine.index import build_index
    from gensidig.engine.solve import _greedy

    solve_module = sys.modules["gensidig.engine.solve"]

    # Keep the candidate graph the command line's own run builds (no second scan).
    kept: list[Any] = []
    generate_in_cli = solve_module.generate

    def keep_candidates(*args: Any, **kwargs: Any) -> Any:
        out = generate_in_cli(*args, **kwargs)
        kept.append(out)
        return out

    solve_module.generate = keep_candidates
    figures: dict[str, Any] = {"n": n}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        t0 = time.perf_counter()
        assert main([src, "-o", out, "--quiet", "--seed", str(seed)]) == 0
        figures["end_to_end_s"] = time.perf_counter() - t0
        figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with open(out, encoding="utf-8") as fh:
            result = json.load(fh)
        with open(src, encoding="utf-8") as fh:
            problem = parse_problem(json.load(fh))
    figures.update(
        objective=result["objective"],
        bound=result["bound"],
        gap=result["gap"],
        pairs=len(result["pairs"]),
        one_sided=result["stats"]["one_sided_pairs"],
        pricing_rounds=result["stats"]["solver"]["pricing_rounds"],
        candidates=result["stats"]["solver"]["candidates"],
    )
    idx = build_index(problem)
    cap = idx.capacity
    rows = np.flatnonzero(idx.young & (cap > 0))
    cols = np.flatnonzero(~idx.young & (cap > 0))
    cands = kept[0] if kept else generate(idx, rows, cols, problem.rules.candidates, seed=seed)
    if cands.exact is not None and not cands.exact.all():
        from gensidig.engine.candidates import exact_scores

        todo = ~cands.exact
        cands.score[todo] = exact_scores(idx, cands.a[todo], cands.b[todo])
    rp = np.full(idx.n, -1, dtype=np.int64)
    rp[rows] = np.arange(len(rows))
    cp = np.full(idx.n, -1, dtype=np.int64)
    cp[cols] = np.arange(len(cols))
    w = np.rint(cands.score * SCALE).astype(np.int64)
    keep = w > 0
    ea, eb, w = rp[cands.a[keep]], cp[cands.b[keep]], w[keep]
    t0 = time.perf_counter()
    chosen = solve_flow(ea, eb, w, cap[rows], cap[cols])
    figures["raw_solve_s"] = time.perf_counter() - t0
    figures["pruned_objective"] = int(w[chosen].sum()) / SCALE
    load = np.zeros(len(rows) + len(cols), dtype=np.int64)
    capall = np.r_[cap[rows], cap[cols]]
    greedy = _greedy(ea, eb + len(rows), w, capall, load)
    figures["greedy_objective"] = int(w[greedy].sum()) / SCALE
    # The scoring floor: one float32 product [shares, wants] . [wants, shares] over all pairs.
    fa = np.hstack([idx.shares[rows], idx.wants_norm[rows]]).astype(np.float32)
    gb = np.ascontiguousarray(np.hstack([idx.wants_norm[cols], idx.shares[cols]]).T)
    tile = np.empty((512, min(16384, len(cols))), dtype=np.float32)
    t0 = time.perf_counter()
    for r0 in range(0, len(rows), 512):
        r1 = min(len(rows), r0 + 512)
        for c0 in range(0, len(cols), 16384):
            c1 = min(len(cols), c0 + 16384)
            np.matmul(fa[r0:r1], gb[:, c0:c1], out=tile[: r1 - r0, : c1 - c0])
    figures["matmul_floor_s"] = time.perf_counter() - t0
    if n <= dense_max:
        s = dense_exact(idx, rows, cols)
        ri, ci = np.nonzero(np.isfinite(s) & (s > 0))
        wd = np.rint(s[ri, ci] * SCALE).astype(np.int64)
        t0 = time.perf_counter()
        dense = assign(ri.astype(np.int64), ci.astype(np.int64), wd, cap[rows], cap[cols])
        figures["dense_solve_s"] = time.perf_counter() - t0
        figures["dense_objective"] = dense.objective / SCALE
    return figures


def warm() -> dict[str, Any]:
    """Run the compiled scan, pricing and Bellman-Ford once on a small cohort."""
    from gensidig.engine import assign, candidates, parse_problem, solve
    from gensidig.engine.synthetic import cohort

    candidates.DENSE_PAIRS = 0  # take the large-problem path even here
    assign.COMPILED_ARCS = 0
    result = solve(parse_problem(cohort(300, 300, seed=1)))
    return {"objective": result.objective}


def fmt(f: dict[str, Any]) -> list[str]:
    obj = f["objective"]
    dense = f.get("dense_objective")
    return [
        f"{f['n']:>7,}",
        f"{f['end_to_end_s']:7.2f}",
        f"{f['peak_mb']:7.0f}",
        f"{obj:12.3f}",
        f"{100 * f['gap']:7.4f}",
        f"{f['pricing_rounds']:3d}",
        f"{f['raw_solve_s']:6.2f}",
        f"{f['matmul_floor_s']:6.2f}",
        f"{f['greedy_objective'] / obj:7.4f}",
        f"{100 * (obj - f['pruned_objective']) / obj:7.4f}",
        "-" if dense is None else f"{dense:12.3f}",
        "-" if dense is None else ("yes" if abs(dense - obj) < 1e-6 else "NO"),
        f"{f['one_sided']:6d}",
    ]


HEAD = [
    "n/side",
    "e2e s",
    "peak MB",
    "objective",
    "gap %",
    "prc",
    "ortools",
    "matmul",
    "greedy",
    "prune %",
    "dense obj",
    "same",
    "1-sided",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000", help="people per side, comma-separated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dense-max", type=int, default=2000, help="exact dense check up to this size")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--cohort", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.warm:
        print(json.dumps(warm()))
        return 0
    if args.cohort:
        write_cohort(args.cohort, args.seed, args.input)
        return 0
    if args.worker:
        print(json.dumps(worker(args.worker, args.seed, args.dense_max, args.input)))
        return 0
    # The compiled kernels are built once after an install or a change (numba caches them
    # beside the source); that one-off cost is shown here, not inside a size's timing.
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--warm"], capture_output=True, check=True)
    print(f"compiled kernels ready in {time.perf_counter() - t0:.1f} s (compiles only once)")
    print(" | ".join(HEAD))
    for n in [int(x) for x in args.sizes.split(",") if x]:
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "in.json")
            shared = ["--seed", str(args.seed), "--input", src]
            subprocess.run([sys.executable, __file__, "--cohort", str(n), *shared], check=True)
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    str(n),
                    *shared,
                    "--dense-max",
                    str(args.dense_max),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
        print(" | ".join(fmt(json.loads(done.stdout.strip().splitlines()[-1]))), flush=True)
    print(
        "e2e: read+score+solve+certify+explain+write via the CLI; ortools: raw min-cost flow on\n"
        "the first candidate graph; matmul: one float32 product over all pairs; greedy: its\n"
        "objective / ours; prune %: loss of solving the first candidate graph alone (pricing\n"
        "recovers it); dense obj: exact solve over all pairs; same: equals ours."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
