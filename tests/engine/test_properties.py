"""Property tests over random small problems in both modes."""

from __future__ import annotations

import json
from typing import Any

from engine_helpers import exact_optimum, problems
from hypothesis import given

from gensidig.engine import check_pair, parse_problem, solve

UNMATCHED_CODES = {
    "capacity_zero",
    "no_feasible_partner",
    "capacity_exhausted",
    "outscored",
}


def _check_result(data: dict[str, Any]) -> None:
    problem = parse_problem(data)
    result = solve(problem)
    out = result.to_dict()
    people = {p.id: p for p in problem.participants}
    locked = {frozenset(x) for x in problem.locked}
    load: dict[str, int] = {}
    for pair in out["pairs"]:
        key = frozenset((pair["a"], pair["b"]))
        if key not in locked:
            assert check_pair(problem, pair["a"], pair["b"]) == []
        for x in (pair["a"], pair["b"]):
            load[x] = load.get(x, 0) + 1
        a, b = people[pair["a"]], people[pair["b"]]
        assert set(pair["teaches"]["a_to_b"]) <= {t for t, _ in a.shares} & {t for t, _ in b.wants}
        assert set(pair["teaches"]["b_to_a"]) <= {t for t, _ in b.shares} & {t for t, _ in a.wants}
        if problem.mode == "reverse":
            assert a.side == "young" and b.side == "experienced"
    for pid, n in load.items():
        assert n <= people[pid].capacity
    got = {frozenset((p["a"], p["b"])) for p in out["pairs"]}
    assert locked <= got
    unmatched = {u["id"] for u in out["unmatched"]}
    assert unmatched == {pid for pid in people if pid not in load}
    assert all(u["code"] in UNMATCHED_CODES and u["reasons"]["da"] for u in out["unmatched"])
    best = exact_optimum(problem)
    assert abs(result.objective - best) < 1e-5
    assert result.bound >= result.objective
    if problem.mode == "reverse" or problem.rules.exact_limit >= len(people):
        assert result.gap == 0.0
    else:
        assert result.bound >= best - 1e-6


@given(problems("reverse"))
def test_reverse_solution_is_allowed_optimal_and_explained(data: dict[str, Any]) -> None:
    _check_result(data)


@given(problems("mutual", max_side=4))
def test_mutual_solution_is_allowed_and_bounded(data: dict[str, Any]) -> None:
    # exact_limit 0 sends small pools down the large-pool path: optimal is not promised
    # there, so only the bound and the rules are checked against the exact optimum.
    problem = parse_problem(data)
    if problem.rules.exact_limit >= len(problem.participants):
        _check_result(data)
        return
    result = solve(problem)
    assert result.bound + 1e-6 >= exact_optimum(problem) >= result.objective - 1e-6


@given(problems("reverse"))
def test_solve_is_deterministic_and_order_free(data: dict[str, Any]) -> None:
    first = json.dumps(solve(parse_problem(data)).to_dict())
    assert json.dumps(solve(parse_problem(data)).to_dict()) == first
    shuffled = dict(data, participants=list(reversed(data["participants"])))
    again = solve(parse_problem(shuffled))
    assert abs(again.objective - json.loads(first)["objective"]) < 1e-9
