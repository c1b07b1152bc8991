"""``gensidig match INPUT -o OUTPUT``: JSON or CSV in, JSON out, summary on the terminal.

Exit codes: 0 done, 2 bad input (the message names the record and field; no output file
is written), 1 anything else.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from typing import Any, TextIO

from .model import InputError, Result
from .parse import WeightedProblem, read_input

PROGRESS_MIN_PEOPLE = 5_000


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gensidig match",
        description="Propose mentoring pairs: JSON or CSV in, pairs with reasons and a "
        "certificate of optimality out (see docs/matching.md).",
    )
    p.add_argument("input", help="input file (.json or .csv), or - for standard input")
    p.add_argument("-o", "--output", default="-", help="output JSON file, or - (default)")
    p.add_argument("--mode", choices=("reverse", "mutual"), help="override the input's mode")
    p.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a rule, e.g. --rule shared_language=false (repeatable)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for candidate sampling (default 0)")
    p.add_argument(
        "--at",
        help="ISO date-time at which time-zone offsets are read (default: the input's "
        "'date' key, else a fixed winter date)",
    )
    p.add_argument("--progress", action="store_true", help="show a progress bar on stderr")
    p.add_argument("--quiet", action="store_true", help="no summary table")
    return p


def _rule_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _rules(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError("must be NAME=VALUE", record="--rule", field=item)
        out[name.strip()] = _rule_value(value.strip())
    return out


class Bar:
    """A one-line progress bar on stderr."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        pct = int(100 * done / max(total, 1))
        if pct == self.last:
            return
        self.last = pct
        filled = pct // 4
        self.stream.write(f"\rscoring pairs [{'#' * filled}{'.' * (25 - filled)}] {pct:3d}%")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _write_atomic(path: str, text: str) -> None:
    """Write next to the target and rename, so a failure never leaves a partial file."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".gensidig-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# One encoder for every record (json.dumps builds a new one per call).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
# Put between the records of a list so that one call encodes them all; a NUL never
# appears unescaped in the encoder's output, so its encoded form only stands for itself.
_SPLIT = "\x00gensidig:record\x00"
_SPLIT_TEXT = ", " + _ENCODE(_SPLIT) + ", "


def _record_lines(items: list[Any]) -> list[str]:
    """Each item as ``json.dumps(item, ensure_ascii=False)``, indented two spaces.

    The items are encoded in one call of the C encoder, with a marker between them, and
    the text is cut at the markers: per-item calls cost about as much again as the
    encoding itself. Should an item hold the marker itself the pieces do not add up, and
    the items are encoded one by one."""
    spaced: list[Any] = [_SPLIT] * (2 * len(items) - 1)
    spaced[::2] = items
    pieces = _ENCODE(spaced)[1:-1].split(_SPLIT_TEXT)
    if len(pieces) != len(items):
        pieces = [_ENCODE(item) for item in items]
    return ["  " + piece for piece in pieces]


def to_json(data: dict[str, Any]) -> str:
    """The output JSON: one pair or unmatched person per line, the rest indented.

    Long lists are written record by record with the C encoder (an indented dump of the
    whole result runs in pure Python and dominates large outputs)."""
    lines = ["{"]
    keys = list(data)
    for n, key in enumerate(keys):
        value = data[key]
        comma = "," if n < len(keys) - 1 else ""
        head = f" {json.dumps(key)}: "
        if isinstance(value, list) and value:
            lines.append(head + "[")
            lines.append(",\n".join(_record_lines(value)))
            lines.append(" ]" + comma)
        else:
            text = json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n ")
            lines.append(head + text + comma)
    lines.append("}")
    return "\n".join(lines) + "\n"


def summary(result: Result, seconds: float) -> str:
    s = result.stats
    rows = [
        ("participants", str(s.get("participants"))),
        ("pairs", str(s.get("pairs"))),
        ("unmatched", str(len(result.unmatched))),
        ("match rate", str(s.get("match_rate"))),
        ("objective", f"{result.objective:.6f}"),
        ("bound", f"{result.bound:.6f}"),
        ("gap", f"{100 * result.gap:.4f} %"),
    ]
    if "one_sided_pairs" in s:
        rows.append(("one-sided pairs", str(s["one_sided_pairs"])))
        rows.append(("got a wish", str(s["wishes"]["share"])))
        rows.append(("blocking pairs", str(s["blocking_pairs"])))
        for side, fig in s["sides"].items():
            rows.append(
                (f"{side}: lowest / p10", f"{fig['score']['lowest']} / {fig['score']['p10']}")
            )
    rows.append(("time", f"{seconds:.2f} s"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows) + "\n"


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    # A run builds millions of objects that live to its end and hold no reference cycles
    # (the participants, then the pairs, their reasons and the output records); each
    # automatic collection walks all of them again, which at 100,000 people per side
    # costs seconds. Automatic collection resumes when the run is over.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(args, stdin, stdout, stderr)
    finally:
        if collecting:
            gc.enable()


def _run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from .solve import solve
    from .weighted import solve_weighted

    started = time.perf_counter()
    if args.input == "-":
        text = stdin.read()
        name = "-"
    else:
        try:
            with open(args.input, encoding="utf-8-sig") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot be read ({exc})", record=args.input, field="") from None
        name = args.input
    problem, date = read_input(text, name=name, mode=args.mode, rules=_rules(args.rule))
    del text  # the input's text is not needed again
    if isinstance(problem, WeightedProblem):
        result = solve_weighted(problem)
    else:
        at = datetime.fromisoformat(args.at) if args.at else None
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        if at is None:
            at = _input_date(date)  # None for CSV and when the JSON gives no date
        show = args.progress or (
            stderr.isatty() and len(problem.participants) >= PROGRESS_MIN_PEOPLE
        )
        result = solve(problem, seed=args.seed, at=at, progress=Bar(stderr) if show else None)
    out = to_json(result.to_dict())
    if args.output == "-":
        stdout.write(out)
        stdout.flush()
    else:
        _write_atomic(args.output, out)
    if not args.quiet:
        # The table goes to stderr when the JSON goes to stdout, to keep stdout parseable.
        table_stream = stderr if args.output == "-" else stdout
        table_stream.write(summary(result, time.perf_counter() - started))
    return 0


def _input_date(raw: Any) -> datetime | None:
    """The instant of the input's top-level ``date`` value (noon UTC for a bare date)."""
    if not isinstance(raw, str):
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise InputError("must be an ISO date", record="input", field="date") from None
    return at if at.tzinfo else at.replace(hour=12, tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run(args, sys.stdin, sys.stdout, sys.stderr)
    except InputError as exc:
        sys.stderr.write(f"gensidig match: error: {exc}\n")
        return 2
    except ValueError as exc:
        sys.stderr.write(f"gensidig match: error: input: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
