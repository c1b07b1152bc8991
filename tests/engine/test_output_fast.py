"""The output side at speed: the JSON text, the fairness figures and the input's date."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gensidig.engine.cli import _SPLIT, main, to_json
from gensidig.engine.explain import fairness_stats
from gensidig.engine.index import build_index
from gensidig.engine.model import Pair, PairScore
from gensidig.engine.parse import parse_problem
from gensidig.engine.solve import solve
from gensidig.engine.synthetic import cohort


def _reference_json(data: dict[str, Any]) -> str:
    """to_json as it was written first, one json.dumps per record: kept as the oracle the
    one-call encoding (cli._record_lines) is checked against."""
    lines = ["{"]
    keys = list(data)
    for n, key in enumerate(keys):
        value = data[key]
        comma = "," if n < len(keys) - 1 else ""
        head = f" {json.dumps(key)}: "
        if isinstance(value, list) and value:
            lines.append(head + "[")
            items = ["  " + json.dumps(item, ensure_ascii=False) for item in value]
            lines.append(",\n".join(items))
            lines.append(" ]" + comma)
        else:
            text = json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n ")
            lines.append(head + text + comma)
    lines.append("}")
    return "\n".join(lines) + "\n"


RECORDS = [
    {"a": "y0", "score": 0.1, "teaches": {"a_to_b": ["æ", "t, "]}, "reasons": {"da": 'Å "x"'}},
    {"a": "y1", "score": 1e-07, "parts": {}, "empty": [], "none": None},
    {"a": "y2", "text": ", , \\u0000", "n": 3},
]


def test_to_json_equals_one_dumps_per_record() -> None:
    data = {"pairs": RECORDS, "unmatched": [], "objective": 1.5, "stats": {"x": [1, 2]}}
    assert to_json(data) == _reference_json(data)


@pytest.mark.parametrize("where", ["value", "list", "key"])
def test_to_json_record_holding_the_marker_equals_one_dumps_per_record(where: str) -> None:
    odds: dict[str, dict[str, Any]] = {
        "value": {"a": _SPLIT},
        "list": {"a": ["x", _SPLIT, "y"]},
        "key": {_SPLIT: 1},
    }
    odd = odds[where]
    data = {"pairs": [RECORDS[0], odd, RECORDS[1]]}
    assert to_json(data) == _reference_json(data)


def test_to_json_single_record_list() -> None:
    data = {"pairs": [RECORDS[0]]}
    assert to_json(data) == _reference_json(data)


def _reference_fairness(idx: Any, pairs: Any, scores: Any) -> dict[str, Any]:
    """The side figures as first written: Python lists per side, each value rounded."""
    groups: dict[str, dict[str, list[float]]] = {}
    for pair in pairs:
        ps = scores[(pair.a, pair.b)]
        for me, learnt in ((pair.a, ps.learn_b_to_a), (pair.b, ps.learn_a_to_b)):
            side = idx.problem.participants[idx.pos[me]].side or "all"
            g = groups.setdefault(side, {"score": [], "learning": []})
            g["score"].append(pair.score)
            g["learning"].append(round(learnt, 6))

    def low(values: list[float]) -> dict[str, float]:
        arr = np.array(values)
        return {
            "lowest": round(float(arr.min()), 6),
            "p10": round(float(np.percentile(arr, 10, method="lower")), 6),
        }

    return {
        side: {
            "matched_slots": len(g["score"]),
            "score": low(g["score"]),
            "learning_received": low(g["learning"]),
        }
        for side, g in sorted(groups.items())
    }


def test_fairness_stats_sides_equal_the_per_pair_figures() -> None:
    problem = parse_problem(cohort(120, 100, seed=5))
    result = solve(problem)
    idx = build_index(problem)
    scores = {
        (p.a, p.b): PairScore(p.score, p.parts, (), (), p.parts["a_to_b"], p.parts["b_to_a"])
        for p in result.pairs
    }
    got = fairness_stats(idx, result.pairs, scores)
    assert got["sides"] == _reference_fairness(idx, result.pairs, scores)
    assert set(got["sides"]) == {"experienced", "young"}


def test_fairness_stats_learning_rounds_like_python() -> None:
    problem = parse_problem(cohort(3, 3, seed=1))
    idx = build_index(problem)
    ids = idx.ids
    # 0.1234575 is stored just below its decimal: Python's round gives 0.123457, numpy's
    # (scaled) rounding 0.123458.
    learn = [0.1234575, 0.5, 0.25]
    pairs = [Pair(a=ids[k], b=ids[3 + k], score=0.5 + k, parts={}) for k in range(3)]
    scores = {
        (p.a, p.b): PairScore(p.score, {}, (), (), x, x) for p, x in zip(pairs, learn, strict=True)
    }
    got = fairness_stats(idx, pairs, scores)
    assert got["sides"]["young"]["learning_received"] == {"lowest": 0.123457, "p10": 0.123457}
    assert got["one_sided_pairs"] == 0


def _person(pid: str, side: str, zone: str, share: str, want: str) -> dict[str, Any]:
    return {
        "id": pid,
        "side": side,
        "languages": ["en"],
        "timezone": zone,
        "shares": {share: 2},
        "wants": {want: 1},
    }


BASE = {
    "mode": "reverse",
    "participants": [
        _person("y1", "young", "Europe/Copenhagen", share="t", want="u"),
        _person("e1", "experienced", "Asia/Kolkata", share="u", want="t"),
    ],
}


def _run(tmp_path: Path, data: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    src = tmp_path / "in.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.json"
    code = main([str(src), "-o", str(out), "--quiet"])
    return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else None


def test_cli_input_date_sets_the_instant_of_the_zones(tmp_path: Path) -> None:
    # Kolkata keeps +5:30; Copenhagen is +1 in winter (the default) and +2 in summer.
    _, winter = _run(tmp_path, BASE)
    _, summer = _run(tmp_path, {**BASE, "date": "2025-07-01"})
    assert winter is not None and summer is not None
    assert winter["pairs"][0]["reasons"]["en"].endswith("Working hours overlap 3.5 of 8 hours.")
    assert summer["pairs"][0]["reasons"]["en"].endswith("Working hours overlap 4.5 of 8 hours.")
    assert summer["pairs"][0]["reasons"]["da"].endswith("Arbejdstiden overlapper 4,5 af 8 timer.")


def test_cli_bad_input_date_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(tmp_path, {**BASE, "date": "midsummer"})
    assert (code, out) == (2, None)
    assert capsys.readouterr().err == ("gensidig match: error: input: date: must be an ISO date\n")


def test_cli_run_leaves_automatic_collection_on(tmp_path: Path) -> None:
    assert gc.isenabled()
    _run(tmp_path, BASE)
    assert gc.isenabled()
    _run(tmp_path, {**BASE, "date": "midsummer"})
    assert gc.isenabled()
