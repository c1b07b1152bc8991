"""Reading engine input from JSON-shaped dicts and CSV, with errors naming record and field."""

from __future__ import annotations

import csv
import io
import json
import math
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from .model import MODES, SIDES, InputError, Mode, Participant, Problem, Rules, Side, Weights

LIST_SPLIT = re.compile(r"[;|]")
BAND = re.compile(r"^\s*(\d{4})\s*-\s*(\d{4})\s*$")
PARTICIPANT_KEYS = (
    "id",
    "name",
    "side",
    "generation",
    "department",
    "manager",
    "languages",
    "timezone",
    "capacity",
    "shares",
    "wants",
    "wishes",
    "blocks",
    "previous",
)


@dataclass(frozen=True, slots=True)
class WeightedProblem:
    """Scores computed elsewhere: edges between ids, capacities (default 1), locked pairs."""

    edges: tuple[tuple[str, str, float], ...]
    capacity: tuple[tuple[str, int], ...] = ()
    locked: tuple[tuple[str, str], ...] = ()
    # None: bipartite when no id appears in both columns, general graph otherwise.
    bipartite: bool | None = None


def _record(index: int, raw: Any) -> str:
    pid = raw.get("id") if isinstance(raw, Mapping) else None
    return f"participants[{index}]" + (f" (id {pid})" if isinstance(pid, str) and pid else "")


def _str_or_none(value: Any, record: str, name: str) -> str | None:
    if type(value) is str:  # the common case first: this runs for every field of every row
        return value.strip() or None
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InputError("must be a string", record=record, field=name)
    return value.strip() or None


def _str_list(value: Any, record: str, name: str) -> tuple[str, ...]:
    if value is None or (type(value) is list and not value):
        return ()
    if isinstance(value, str):
        value = LIST_SPLIT.split(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError("must be a list of strings", record=record, field=name)
    seen: dict[str, None] = {}
    for v in value:
        if v.strip():
            seen.setdefault(v.strip(), None)
    return tuple(seen)


def _topics(value: Any, record: str, name: str) -> tuple[tuple[str, int], ...]:
    if type(value) is dict and all(
        type(t) is str and type(lv) is int and 0 < lv < 4 and t and t == t.strip()
        for t, lv in value.items()
    ):
        return tuple(sorted(value.items()))  # well-formed JSON, the common case
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        parsed: dict[str, Any] = {}
        for cell in LIST_SPLIT.split(value):
            if not cell.strip():
                continue
            topic, _, level = cell.partition(":")
            try:
                parsed[topic.strip()] = int(level) if level.strip() else 2
            except ValueError:
                raise InputError(
                    f"level of {topic.strip()!r} must be 1, 2 or 3", record=record, field=name
                ) from None
        value = parsed
    if not isinstance(value, Mapping):
        raise InputError("must map topics to levels 1-3", record=record, field=name)
    out: dict[str, int] = {}
    for topic, level in value.items():
        if not isinstance(topic, str) or not topic.strip():
            raise InputError("topic names must be non-empty strings", record=record, field=name)
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 3:
            raise InputError(f"level of {topic!r} must be 1, 2 or 3", record=record, field=name)
        out[topic.strip()] = level
    return tuple(sorted(out.items()))


def _int(value: Any, record: str, name: str, default: int, low: int | None = 0) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise InputError("must be a whole number", record=record, field=name) from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError("must be a whole number", record=record, field=name)
    if low is not None and value < low:
        raise InputError(f"must be at least {low}, got {value}", record=record, field=name)
    return value


def _bool(value: Any, record: str, name: str, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "false", "0", "no"}:
        return value.strip().lower() in {"true", "1", "yes"}
    if not isinstance(value, bool):
        raise InputError("must be true or false", record=record, field=name)
    return value


def _float(value: Any, record: str, name: str, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError("must be a finite number", record=record, field=name)
    if value < 0:
        raise InputError("must not be negative", record=record, field=name)
    return float(value)


def parse_participant(raw: Any, index: int, mode: Mode) -> Participant:
    try:
        return _participant(raw, mode, "")
    except InputError as exc:
        # The record is named only on the error path: formatting it costs on every row.
        raise InputError(exc.message, record=_record(index, raw), field=exc.field) from None


class _NotPlain(Exception):
    """Some record is not in the form a JSON export gives it: parse record by record."""


def _plain_text(value: Any) -> str | None:
    """_str_or_none of a JSON string or null."""
    if type(value) is str:
        return value.strip() or None
    if value is None:
        return None
    raise _NotPlain


def _plain_list(value: Any) -> tuple[str, ...]:
    """_str_list of a JSON list of strings or null."""
    if not value:
        if value is None or type(value) is list:
            return ()
        raise _NotPlain
    if type(value) is not list:
        raise _NotPlain
    try:
        # str.strip refuses non-strings (TypeError): the record parser names the field.
        seen = dict.fromkeys(map(str.strip, value))
    except TypeError:
        raise _NotPlain from None
    seen.pop("", None)
    return tuple(seen)


def _plain_topics(value: Any, clean: set[str]) -> tuple[tuple[str, int], ...]:
    """_topics of a JSON object of clean topic names (``clean`` holds those already
    seen: a cohort has a few dozen) and levels 1-3, or of null."""
    if type(value) is not dict:
        if value is None:
            return ()
        raise _NotPlain
    for t, level in value.items():
        if type(level) is not int or not 0 < level < 4:
            raise _NotPlain
        if t not in clean:
            if type(t) is not str or not t or t != t.strip():
                raise _NotPlain
            clean.add(t)
    return tuple(sorted(value.items()))


_ALL_KEYS = operator.itemgetter(*PARTICIPANT_KEYS)


def _plain_participants(raw: list[Any], mode: Mode) -> tuple[Participant, ...]:
    """All participants, when every record has the form a JSON export gives it (the
    types exact, ids and topic names already stripped); raises _NotPlain otherwise, and
    the records are then parsed, and judged, by ``parse_participant``.

    For every input it accepts it builds the participants ``parse_participant`` would,
    at about half the cost: a record's values are taken in one call, checked by type
    rather than through the general converters, and passed by position."""
    sides: set[str | None] = set(SIDES) if mode == "reverse" else {*SIDES, None}
    clean: set[str] = set()
    out = []
    for r in raw:
        if type(r) is not dict:
            raise _NotPlain
        try:
            values = _ALL_KEYS(r)
        except KeyError:  # a record leaves a key out: None, as for the record parser
            values = tuple(map(r.get, PARTICIPANT_KEYS))
        (pid, name, side, gen, dept, manager, langs, tz, cap, shares, wants, wishes, blocks,
         previous) = values  # fmt: skip
        if type(pid) is not str or not pid or pid != pid.strip():
            raise _NotPlain
        side = _plain_text(side)
        if side not in sides:
            raise _NotPlain
        if cap is None:
            cap = 1
        elif type(cap) is not int or cap < 0:
            raise _NotPlain
        # By position: PARTICIPANT_KEYS is the order of Participant's fields (a test pins it).
        out.append(
            Participant(
                pid,
                _plain_text(name) or "",
                cast(Side, side),  # one of SIDES or None, checked above
                _plain_text(gen),
                _plain_text(dept),
                _plain_text(manager),
                _plain_list(langs),
                _plain_text(tz),
                cap,
                _plain_topics(shares, clean),
                _plain_topics(wants, clean),
                _plain_list(wishes),
                _plain_list(blocks),
                _plain_list(previous),
            )
        )
    return tuple(out)


def _participant(raw: Any, mode: Mode, record: str) -> Participant:
    if not isinstance(raw, Mapping):
        raise InputError("must be an object", record=record, field="")
    pid = raw.get("id")
    if isinstance(pid, int) and not isinstance(pid, bool):
        pid = str(pid)
    if not isinstance(pid, str) or not pid.strip():
        raise InputError("is required and must be a non-empty string", record=record, field="id")
    side = _str_or_none(raw.get("side"), record, "side")
    if side is not None and side not in SIDES:
        raise InputError("must be 'young' or 'experienced'", record=record, field="side")
    if mode == "reverse" and side is None:
        raise InputError("is required in reverse mode", record=record, field="side")
    generation = _str_or_none(raw.get("generation"), record, "generation")
    name = _str_or_none(raw.get("name"), record, "name") or ""
    return Participant(
        id=pid.strip(),
        name=name,
        side=side,  # checked against SIDES above
        generation=generation,
        department=_str_or_none(raw.get("department"), record, "department"),
        manager=_str_or_none(raw.get("manager"), record, "manager"),
        languages=_str_list(raw.get("languages"), record, "languages"),
        timezone=_str_or_none(raw.get("timezone"), record, "timezone"),
        capacity=_int(raw.get("capacity"), record, "capacity", 1),
        shares=_topics(raw.get("shares"), record, "shares"),
        wants=_topics(raw.get("wants"), record, "wants"),
        wishes=_str_list(raw.get("wishes"), record, "wishes"),
        blocks=_str_list(raw.get("blocks"), record, "blocks"),
        previous=_str_list(raw.get("previous"), record, "previous"),
    )


def parse_rules(raw: Any) -> Rules:
    if raw is None:
        return Rules()
    if not isinstance(raw, Mapping):
        raise InputError("must be an object", record="rules", field="")
    d = Rules()
    depth = _int(raw.get("reporting_line_depth"), "rules", "reporting_line_depth", 2)
    if depth > 2:
        raise InputError("must be 0, 1 or 2", record="rules", field="reporting_line_depth")
    wraw = raw.get("weights")
    if wraw is not None and not isinstance(wraw, Mapping):
        raise InputError("must be an object", record="rules", field="weights")
    w = Weights()
    wmap = wraw or {}
    weights = Weights(
        learning=_float(wmap.get("learning"), "rules", "weights.learning", w.learning),
        one_sided=_float(wmap.get("one_sided"), "rules", "weights.one_sided", w.one_sided),
        wish=_float(wmap.get("wish"), "rules", "weights.wish", w.wish),
        cross_department=_float(
            wmap.get("cross_department"), "rules", "weights.cross_department", w.cross_department
        ),
        timezone=_float(wmap.get("timezone"), "rules", "weights.timezone", w.timezone),
    )
    if weights.one_sided > 1:
        raise InputError("must be between 0 and 1", record="rules", field="weights.one_sided")
    return Rules(
        reporting_line_depth=depth,
        shared_language=_bool(raw.get("shared_language"), "rules", "shared_language", True),
        different_department=_bool(
            raw.get("different_department"), "rules", "different_department", False
        ),
        exclude_same_manager=_bool(
            raw.get("exclude_same_manager"), "rules", "exclude_same_manager", False
        ),
        forbid_repeat=_bool(raw.get("forbid_repeat"), "rules", "forbid_repeat", True),
        min_generation_gap=_int(raw.get("min_generation_gap"), "rules", "min_generation_gap", 1),
        generations=_str_list(raw.get("generations"), "rules", "generations"),
        weights=weights,
        candidates=_int(raw.get("candidates"), "rules", "candidates", d.candidates, low=1),
        exact_limit=_int(raw.get("exact_limit"), "rules", "exact_limit", d.exact_limit),
        time_limit=_float(raw.get("time_limit"), "rules", "time_limit", d.time_limit),
    )


def _pairs(raw: Any, name: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError("must be a list of [id, id] pairs", record=name, field="")
    out = []
    for i, item in enumerate(raw):
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(x, str) and x for x in item)
        ):
            raise InputError("must be a pair of ids", record=f"{name}[{i}]", field=name)
        out.append((item[0], item[1]))
    return tuple(out)


def _mode(raw: Any) -> Mode:
    mode = raw if raw is not None else "reverse"
    if mode not in MODES:
        raise InputError("must be 'reverse' or 'mutual'", record="input", field="mode")
    return cast(Mode, mode)


def parse_problem(data: Any) -> Problem:
    """Build a validated :class:`Problem` from the JSON shape; raises :class:`InputError`."""
    from .rules import validate_problem

    if not isinstance(data, Mapping):
        raise InputError("must be a JSON object", record="input", field="")
    mode = _mode(data.get("mode"))
    raw_participants = data.get("participants")
    if not isinstance(raw_participants, list):
        raise InputError("must be a list", record="input", field="participants")
    try:
        participants = _plain_participants(raw_participants, mode)
    except _NotPlain:
        participants = tuple(parse_participant(r, i, mode) for i, r in enumerate(raw_participants))
    managers_raw = data.get("managers")
    if managers_raw is not None and not (
        isinstance(managers_raw, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in managers_raw.items())
    ):
        raise InputError(
            "must map manager ids to their manager's id", record="input", field="managers"
        )
    problem = Problem(
        mode=mode,
        participants=participants,
        rules=parse_rules(data.get("rules")),
        locked=_pairs(data.get("locked"), "locked"),
        excluded=_pairs(data.get("excluded"), "excluded"),
        managers=tuple(sorted((managers_raw or {}).items())),
    )
    validate_problem(problem)
    return problem


def parse_weighted(data: Mapping[str, Any]) -> WeightedProblem:
    edges_raw = data.get("edges")
    if not isinstance(edges_raw, list):
        raise InputError("must be a list of [a, b, weight]", record="input", field="edges")
    edges: list[tuple[str, str, float]] = []
    for i, e in enumerate(edges_raw):
        ok = isinstance(e, list) and len(e) == 3
        if ok:
            a, b, w = e
            ok = (
                isinstance(a, str)
                and isinstance(b, str)
                and bool(a)
                and bool(b)
                and a != b
                and isinstance(w, int | float)
                and not isinstance(w, bool)
                and math.isfinite(w)
            )
        if not ok:
            raise InputError(
                "must be [a, b, weight] with two different ids and a finite number",
                record=f"edges[{i}]",
                field="edges",
            )
        edges.append((str(e[0]), str(e[1]), float(e[2])))
    cap_raw = data.get("capacity") or {}
    if not isinstance(cap_raw, Mapping):
        raise InputError("must map ids to capacities", record="input", field="capacity")
    capacity = tuple(
        sorted((k, _int(v, f"capacity[{k}]", "capacity", 1)) for k, v in cap_raw.items())
    )
    bip = data.get("bipartite")
    if bip is None and data.get("mode") is not None:
        bip = _mode(data.get("mode")) == "reverse"
    if bip is not None and not isinstance(bip, bool):
        raise InputError("must be true or false", record="input", field="bipartite")
    problem = WeightedProblem(
        edges=tuple(edges),
        capacity=capacity,
        locked=_pairs(data.get("locked"), "locked"),
        bipartite=bip,
    )
    from .weighted import validate_weighted

    validate_weighted(problem)
    return problem


def parse_csv(
    text: str, *, mode: Mode = "reverse", rules: Mapping[str, Any] | None = None
) -> Problem:
    """Participants as CSV rows with the JSON keys as columns; lists split on ``;`` or ``|``."""
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if reader.fieldnames is None or "id" not in [f.strip() for f in reader.fieldnames]:
        raise InputError(
            "needs a header row with at least an 'id' column", record="csv", field="id"
        )
    rows: list[dict[str, Any]] = []
    try:
        for line, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                raise InputError(
                    "has a different number of cells than the header",
                    record=f"line {line}",
                    field="",
                )
            clean = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
            if not any(clean.values()):
                continue
            rows.append(clean)
    except csv.Error as exc:
        raise InputError(str(exc), record="csv", field="") from None
    return parse_problem({"mode": mode, "rules": dict(rules or {}), "participants": rows})


def load_input(
    text: str, *, name: str = "-", mode: Mode | None = None, rules: Mapping[str, Any] | None = None
) -> Problem | WeightedProblem:
    """Parse a whole input file: JSON (problem or weighted edges) or CSV (participants)."""
    return read_input(text, name=name, mode=mode, rules=rules)[0]


def read_input(
    text: str, *, name: str = "-", mode: Mode | None = None, rules: Mapping[str, Any] | None = None
) -> tuple[Problem | WeightedProblem, Any]:
    """``load_input``, with the JSON's top-level ``date`` value as given (None for CSV or
    when absent), so that the caller need not decode a large input a second time."""
    stripped = text.lstrip()
    if name.lower().endswith(".csv") or (stripped and stripped[0] not in "{["):
        return parse_csv(text, mode=mode or "reverse", rules=rules), None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
            record="input",
            field="",
        ) from None
    if not isinstance(data, dict):
        raise InputError("must be a JSON object", record="input", field="")
    date = data.get("date")
    if mode is not None:
        data["mode"] = mode
    if rules:
        merged = dict(data.get("rules") or {})
        merged.update(rules)
        data["rules"] = merged
    if "edges" in data and "participants" not in data:
        return parse_weighted(data), date
    return parse_problem(data), date


def band_years(label: str) -> tuple[int, int] | None:
    m = BAND.match(label)
    return (int(m.group(1)), int(m.group(2))) if m else None


def ordered_bands(problem_bands: Iterable[str], declared: tuple[str, ...]) -> dict[str, int]:
    """Index of each generation band: declared order, else sorted by (first year, last year)."""
    if declared:
        return {b: i for i, b in enumerate(declared)}
    distinct = sorted(set(problem_bands), key=lambda b: (band_years(b) or (0, 0), b))
    return {b: i for i, b in enumerate(distinct)}
