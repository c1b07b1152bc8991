"""Small problems for the engine tests and an independent exact optimum to compare with."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from gensidig.engine import Problem, check_pair, parse_problem, score_pair

TOPICS = ("ai", "tiktok", "excel", "strategy", "sales", "leadership")


@st.composite
def problems(draw: st.DrawFn, mode: str = "reverse", max_side: int = 5) -> dict[str, Any]:
    """A random small input dict: topics, languages, departments, managers, blocks, wishes."""
    n_y = draw(st.integers(1, max_side))
    n_e = draw(st.integers(1, max_side))
    n = n_y + n_e
    ids = [f"p{i}" for i in range(n)]
    people = []
    for i in range(n):
        topic_map = st.dictionaries(st.sampled_from(TOPICS), st.integers(1, 3), max_size=3)
        p: dict[str, Any] = {
            "id": ids[i],
            "generation": draw(st.sampled_from(["1995-2009", "1981-1994", "1965-1980"])),
            "department": draw(st.sampled_from(["A", "B", "C"])),
            "languages": draw(st.sampled_from([["da"], ["en"], ["da", "en"]])),
            "timezone": draw(st.sampled_from(["Europe/Copenhagen", "Europe/London", "UTC+5"])),
            "capacity": draw(st.integers(0, 2)),
            "shares": draw(topic_map),
            "wants": draw(topic_map),
        }
        if mode == "reverse":
            p["side"] = "young" if i < n_y else "experienced"
        if i > 0 and draw(st.booleans()):
            p["manager"] = ids[draw(st.integers(0, i - 1))]
        others = [x for x in ids if x != ids[i]]
        p["wishes"] = draw(st.lists(st.sampled_from(others), max_size=2, unique=True))
        p["blocks"] = draw(st.lists(st.sampled_from(others), max_size=1))
        people.append(p)
    rules = {
        "reporting_line_depth": draw(st.integers(0, 2)),
        "shared_language": draw(st.booleans()),
        "different_department": draw(st.booleans()),
        "exclude_same_manager": draw(st.booleans()),
        "min_generation_gap": draw(st.integers(0, 1)),
        "candidates": draw(st.integers(1, 4)),
        "exact_limit": draw(st.sampled_from([0, 400])),
    }
    data = {"mode": mode, "rules": rules, "participants": people}
    # Lock one allowed pair when there is one, so locking is exercised too.
    prob = parse_problem(data)
    allowed = [
        (a, b)
        for a in ids
        for b in ids
        if a < b and not [r for r in check_pair(prob, a, b) if r != "nothing_to_learn"]
    ]
    if allowed and draw(st.booleans()):
        data["locked"] = [list(draw(st.sampled_from(allowed)))]
    return data


def exact_optimum(problem: Problem) -> float:
    """Best total score by an integer program over every allowed pair, scored one by one."""
    people = [p.id for p in problem.participants]
    pos = {x: i for i, x in enumerate(people)}
    locked = {frozenset(x) for x in problem.locked}
    edges: list[tuple[int, int, int]] = []
    fixed = 0
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            key = frozenset((a, b))
            w = round(score_pair(problem, a, b).score * 1_000_000)
            if key in locked:
                fixed += w
            elif not check_pair(problem, a, b) and w > 0:
                edges.append((pos[a], pos[b], w))
    cap = np.array([p.capacity for p in problem.participants], dtype=float)
    for a, b in problem.locked:
        cap[pos[a]] -= 1
        cap[pos[b]] -= 1
    if not edges:
        return fixed / 1_000_000
    m = len(edges)
    rows = [e[0] for e in edges] + [e[1] for e in edges]
    inc = csr_matrix((np.ones(2 * m), (rows, list(range(m)) * 2)), shape=(len(people), m))
    res = milp(
        c=-np.array([e[2] for e in edges], dtype=float),
        integrality=np.ones(m),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(inc, -np.inf, cap),
    )
    return (round(-res.fun) + fixed) / 1_000_000
