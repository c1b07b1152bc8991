"""A problem turned into numpy arrays, built once and shared by rules, scores and solvers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from .model import InputError, Problem
from .parse import ordered_bands

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
F32Array = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]

# The default reference time for time-zone offsets: a fixed winter date, so the same
# input gives the same output whatever day it runs; pass ``at`` to use another.
DEFAULT_AT = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
WORKDAY_HOURS = 8.0


def utc_offset_minutes(name: str, at: datetime) -> int:
    """Offset of a zone (IANA name, ``UTC``, ``UTC+2``, ``+05:30``) at the given instant."""
    text = name.strip()
    if text.upper() in {"UTC", "GMT", "Z"}:
        return 0
    m = OFFSET.match(text)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        return sign * (int(m.group(2)) * 60 + int(m.group(3) or 0))
    try:
        offset = at.astimezone(ZoneInfo(text)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(text) from None
    return int(offset.total_seconds() // 60) if offset is not None else 0


def overlap_share(minutes_a: int, minutes_b: int) -> float:
    """Share of an 8-hour local working day the two people have in common."""
    diff = abs(minutes_a - minutes_b) / 60.0
    diff = min(diff, 24.0 - diff)
    return max(0.0, WORKDAY_HOURS - diff) / WORKDAY_HOURS


def _codes(values: list[str | None]) -> tuple[IntArray, list[str]]:
    """Dense codes for values in order of first appearance; None gets -1."""
    table: dict[str, int] = {}
    out = np.full(len(values), -1, dtype=np.int64)
    for i, v in enumerate(values):
        if v is not None:
            out[i] = table.setdefault(v, len(table))
    return out, list(table)


@dataclass(slots=True)
class Index:
    problem: Problem
    ids: list[str]
    pos: dict[str, int]
    young: BoolArray  # side == young (reverse mode rows)
    capacity: IntArray
    dept: IntArray  # -1 unknown
    anc1: IntArray  # node code of manager, -1 none; participants' codes are their index
    anc2: IntArray
    lang_class: IntArray  # code of the person's language set, -1 none
    lang_sets: list[frozenset[str]]
    tz_class: IntArray  # -1 unknown
    tz_minutes: list[int]
    gen: IntArray  # index of generation band, -1 unknown
    topics: list[str]
    shares: F32Array  # n x T levels
    wants_norm: F32Array  # n x T levels / (3 * sum of the person's wanted levels)
    forbid_keys: IntArray  # sorted a*n+b for blocks, repeats, exclusions (both orders)
    wish_rank: dict[tuple[int, int], int]

    @property
    def n(self) -> int:
        return len(self.ids)


_ANCESTORS: list[tuple[Problem, tuple[IntArray, IntArray]]] = []


def manager_ancestors(problem: Problem, pos: dict[str, int]) -> tuple[IntArray, IntArray]:
    """Manager and skip-level manager node codes; raises InputError on a cycle.

    Validation and indexing both need them: the last problem's are kept (by identity)."""
    if _ANCESTORS and _ANCESTORS[0][0] is problem:
        return _ANCESTORS[0][1]
    found = _manager_ancestors(problem, pos)
    _ANCESTORS[:] = [(problem, found)]
    return found


def _manager_ancestors(problem: Problem, pos: dict[str, int]) -> tuple[IntArray, IntArray]:
    parent: dict[str, str] = dict(problem.managers)
    for p in problem.participants:
        if p.manager is not None:
            parent[p.id] = p.manager
    codes = dict(pos)
    for name in sorted(set(parent) | set(parent.values())):
        codes.setdefault(name, len(codes))
    # Walk every chain once, colouring nodes, so a cycle anywhere is found in linear time.
    state: dict[str, int] = {}
    for start in parent:
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = parent.get(node)
        if node is not None and state.get(node) == 1:
            i = next((k for k, p in enumerate(problem.participants) if p.id == node), None)
            record = f"participants[{i}] (id {node})" if i is not None else f"managers[{node}]"
            raise InputError("the reporting lines form a cycle", record=record, field="manager")
        for visited in path:
            state[visited] = 2
    n = len(pos)
    anc1 = np.full(n, -1, dtype=np.int64)
    anc2 = np.full(n, -1, dtype=np.int64)
    for p in problem.participants:
        m = p.manager
        if m is None:
            continue
        anc1[pos[p.id]] = codes[m]
        grand = parent.get(m)
        if grand is not None:
            anc2[pos[p.id]] = codes[grand]
    return anc1, anc2


def build_index(problem: Problem, at: datetime | None = None) -> Index:
    people = problem.participants
    ids = [p.id for p in people]
    pos = {pid: i for i, pid in enumerate(ids)}
    n = len(ids)
    when = at or DEFAULT_AT
    dept, _ = _codes([p.department for p in people])
    anc1, anc2 = manager_ancestors(problem, pos)
    lang_keys = [",".join(sorted(p.languages)) if p.languages else None for p in people]
    lang_class, lang_names = _codes(lang_keys)
    lang_sets = [frozenset(k.split(",")) for k in lang_names]
    offsets: list[int | None] = []
    known: dict[str, int] = {}  # a cohort has a handful of zones: look each up once
    for i, p in enumerate(people):
        if p.timezone is None:
            offsets.append(None)
            continue
        try:
            if p.timezone not in known:
                known[p.timezone] = utc_offset_minutes(p.timezone, when)
            offsets.append(known[p.timezone])
        except ValueError:
            raise InputError(
                f"unknown time zone {p.timezone!r}",
                record=f"participants[{i}] (id {p.id})",
                field="timezone",
            ) from None
    tz_class, tz_names = _codes([None if o is None else str(o) for o in offsets])
    bands = ordered_bands(
        (p.generation for p in people if p.generation is not None), problem.rules.generations
    )
    gen = np.array(
        [bands.get(p.generation, -1) if p.generation else -1 for p in people], dtype=np.int64
    )
    topics = sorted(
        {t for p in people for t, _ in p.shares} | {t for p in people for t, _ in p.wants}
    )
    tpos = {t: j for j, t in enumerate(topics)}
    shares = np.zeros((n, len(topics)), dtype=np.float32)
    wants = np.zeros((n, len(topics)), dtype=np.float32)
    for i, p in enumerate(people):
        for t, lvl in p.shares:
            shares[i, tpos[t]] = lvl
        for t, lvl in p.wants:
            wants[i, tpos[t]] = lvl
    total = wants.sum(axis=1)
    wants_norm = np.divide(
        wants, 3.0 * total[:, None], out=np.zeros_like(wants), where=total[:, None] > 0
    ).astype(np.float32)
    forbid: list[int] = []
    rules = problem.rules
    for p in people:
        i = pos[p.id]
        others = list(p.blocks) + (list(p.previous) if rules.forbid_repeat else [])
        for o in others:
            j = pos.get(o, -1)
            if j < 0:
                continue
            forbid.extend((i * n + j, j * n + i))
    for a, b in problem.excluded:
        i, j = pos[a], pos[b]
        forbid.extend((i * n + j, j * n + i))
    # Ids outside the problem are skipped: score_pair scores a two-person excerpt.
    wish_rank = {(pos[p.id], pos[w]): r for p in people for r, w in enumerate(p.wishes) if w in pos}
    return Index(
        problem=problem,
        ids=ids,
        pos=pos,
        young=np.array([p.side == "young" for p in people], dtype=np.bool_),
        capacity=np.array([p.capacity for p in people], dtype=np.int64),
        dept=dept,
        anc1=anc1,
        anc2=anc2,
        lang_class=lang_class,
        lang_sets=lang_sets,
        tz_class=tz_class,
        tz_minutes=[int(t) for t in tz_names],
        gen=gen,
        topics=topics,
        shares=shares,
        wants_norm=wants_norm,
        forbid_keys=np.unique(np.array(forbid, dtype=np.int64)),
        wish_rank=wish_rank,
    )
