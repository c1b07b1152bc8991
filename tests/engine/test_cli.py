"""The command line: happy paths, bad input (exit 2, record and field named, no output)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gensidig.engine.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BASE = {
    "mode": "reverse",
    "participants": [
        {"id": "y1", "side": "young", "languages": ["da"], "shares": {"t": 2}, "wants": {"u": 1}},
        {
            "id": "e1",
            "side": "experienced",
            "languages": ["da"],
            "shares": {"u": 2},
            "wants": {"t": 1},
        },
    ],
}


def _bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, name: str = "in.json"
) -> str:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out.json"
    assert main([str(src), "-o", str(out)]) == 2
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]
    return capsys.readouterr().err


def _with(**changes: object) -> str:
    data = json.loads(json.dumps(BASE))
    for key, value in changes.items():
        pid, field = key.split("__")
        for p in data["participants"]:
            if p["id"] == pid:
                p[field] = value
    return json.dumps(data)


def test_cli_unknown_wish_id_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _bad(tmp_path, capsys, _with(y1__wishes=["nobody"]))
    assert "participants[0] (id y1): wishes: unknown id 'nobody'" in err


def test_cli_manager_cycle_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _bad(tmp_path, capsys, _with(y1__manager="e1", e1__manager="y1"))
    assert "manager: the reporting lines form a cycle" in err
    assert "participants[" in err


def test_cli_locked_pair_breaking_rule_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(_with(e1__languages=["en"]))
    data["locked"] = [["y1", "e1"]]
    err = _bad(tmp_path, capsys, json.dumps(data))
    assert "locked[0]: locked: breaks the rule(s): shared_language" in err


def test_cli_negative_capacity_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _bad(tmp_path, capsys, _with(e1__capacity=-1))
    assert "participants[1] (id e1): capacity: must be at least 0, got -1" in err


def test_cli_malformed_json_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _bad(tmp_path, capsys, '{"mode": "reverse", "participants": [')
    assert "input: is not valid JSON" in err


def test_cli_malformed_csv_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "id,side,capacity\ny1,young,1\ne1,experienced,1,extra\n"
    err = _bad(tmp_path, capsys, text, name="in.csv")
    assert "line 3: has a different number of cells than the header" in err


def test_cli_csv_bad_level_names_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "id,side,shares\ny1,young,tiktok:9\n"
    err = _bad(tmp_path, capsys, text, name="in.csv")
    assert "participants[0] (id y1): shares: level of 'tiktok' must be 1, 2 or 3" in err


def test_cli_json_and_csv_examples_agree(tmp_path: Path) -> None:
    out_csv = tmp_path / "csv.json"
    assert main([str(EXAMPLES / "reverse.csv"), "-o", str(out_csv), "--quiet"]) == 0
    result = json.loads(out_csv.read_text(encoding="utf-8"))
    assert [(p["a"], p["b"]) for p in result["pairs"]] == [("p1", "p9"), ("p2", "p7"), ("p3", "p8")]
    assert result["gap"] == 0.0


def test_cli_weighted_example_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(EXAMPLES / "weighted.json"), "-o", "-"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert [(p["a"], p["b"], p["score"]) for p in result["pairs"]] == [
        ("y1", "e1", 0.9),
        ("y2", "e2", 0.3),
        ("y3", "e2", 0.5),
    ]
    assert result["objective"] == 1.7 and result["bound"] == 1.7
    assert "objective" in captured.err


def test_cli_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    outs = []
    for n in range(2):
        out = tmp_path / f"o{n}.json"
        assert main([str(EXAMPLES / "reverse.json"), "-o", str(out), "--quiet"]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_engine_and_cli_never_import_django(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import gensidig.engine\n"
        "from gensidig.engine.cli import main\n"
        f"args = [{str(EXAMPLES / 'mutual.json')!r}, '-o', {str(tmp_path / 'o.json')!r}]\n"
        "assert main(args + ['--quiet']) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip() == "[]"
