"""The score formula, its parts, symmetry, and the single-pair API."""

from __future__ import annotations

from typing import Any

from engine_helpers import problems
from hypothesis import given

from gensidig.engine import check_pair, parse_problem, score_pair


def _duo(
    a_shares: dict[str, int],
    a_wants: dict[str, int],
    b_shares: dict[str, int],
    b_wants: dict[str, int],
) -> Any:
    base = {"department": "X", "languages": ["da"], "timezone": "Europe/Copenhagen"}
    return parse_problem(
        {
            "mode": "reverse",
            "participants": [
                dict(base, id="a", side="young", shares=a_shares, wants=a_wants),
                dict(base, id="b", side="experienced", shares=b_shares, wants=b_wants),
            ],
        }
    )


def test_score_one_sided_pair_scores_a_quarter_of_balanced() -> None:
    one_sided = score_pair(_duo({"t": 3}, {}, {}, {"t": 3}), "a", "b")
    balanced = score_pair(_duo({"t": 3}, {"u": 3}, {"u": 3}, {"t": 3}), "a", "b")
    # One-sided: x = 1, y = 0, so only beta * (x + y) / 2 = 0.125 of learning remains.
    assert one_sided.parts == {
        "balance": 0.0,
        "a_to_b": 0.125,
        "b_to_a": 0.0,
        "wish": 0.0,
        "cross_department": 0.0,
        "timezone": 0.05,
    }
    assert one_sided.score == 0.175
    half = score_pair(_duo({"t": 3}, {"u": 3, "v": 3}, {"u": 3}, {"t": 3, "w": 3}), "a", "b")
    # Balanced with the same total learning (x = y = 0.5): the full 0.5.
    assert half.parts["balance"] + half.parts["a_to_b"] + half.parts["b_to_a"] == 0.5
    assert balanced.score == 1.05


def test_score_pair_names_taught_topics_only() -> None:
    sp = score_pair(_duo({"t": 3, "z": 1}, {"u": 2}, {"u": 3, "q": 2}, {"t": 3}), "a", "b")
    assert sp.teaches_a_to_b == ("t",)
    assert sp.teaches_b_to_a == ("u",)
    assert sp.reasons_en.startswith("a can teach b t. b can teach a u.")
    assert sp.reasons_da.startswith("a kan lære b om t. b kan lære a om u.")


def test_check_pair_lists_every_broken_rule() -> None:
    problem = parse_problem(
        {
            "mode": "reverse",
            "rules": {"different_department": True},
            "participants": [
                {
                    "id": "a",
                    "side": "young",
                    "department": "X",
                    "languages": ["da"],
                    "manager": "b",
                    "shares": {"t": 1},
                },
                {
                    "id": "b",
                    "side": "experienced",
                    "department": "X",
                    "languages": ["en"],
                    "wants": {"t": 1},
                    "blocks": ["a"],
                },
            ],
        }
    )
    assert check_pair(problem, "a", "b") == [
        "reporting_line",
        "same_department",
        "shared_language",
        "blocked",
    ]


@given(problems("mutual", max_side=3))
def test_score_symmetric_pair_swaps_parts(data: dict[str, Any]) -> None:
    problem = parse_problem(data)
    ids = [p.id for p in problem.participants]
    for a in ids[:3]:
        for b in ids[:3]:
            if a == b:
                continue
            ab, ba = score_pair(problem, a, b), score_pair(problem, b, a)
            assert ab.score == ba.score
            assert ab.parts["a_to_b"] == ba.parts["b_to_a"]
            assert ab.teaches_a_to_b == ba.teaches_b_to_a
            assert check_pair(problem, a, b) == check_pair(problem, b, a)
