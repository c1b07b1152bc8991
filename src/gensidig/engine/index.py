"""A problem turned into numpy arrays, built once and shared by rules, scores and solvers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter
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
    # dict.fromkeys keeps the order of first appearance; one look-up per value follows.
    names = [v for v in dict.fromkeys(values) if v is not None]
    code: dict[str | None, int] = {v: k for k, v in enumerate(names)}
    code[None] = -1
    return np.fromiter(map(code.__getitem__, values), dtype=np.int64, count=len(values)), names


def _levels(n: int, topics: dict[str, int], lists: list[tuple[tuple[str, int], ...]]) -> F32Array:
    """The n x T matrix of levels from each person's (topic, level) pairs, built from
    flat arrays; a topic a person gives twice keeps its last level."""
    out = np.zeros((n, len(topics)), dtype=np.float32)
    flat = list(chain.from_iterable(lists))
    if not flat:
        return out
    rows = np.repeat(np.arange(n, dtype=np.int64), np.fromiter(map(len, lists), np.int64, n))
    cols = np.fromiter(map(topics.__getitem__, map(itemgetter(0), flat)), np.int64, len(flat))
    levels = np.fromiter(map(itemgetter(1), flat), np.float32, len(flat))
    key = rows * len(topics) + cols
    _, back = np.unique(key[::-1], return_index=True)
    last = len(key) - 1 - back
    out.reshape(-1)[key[last]] = levels[last]
    return out


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


def manager_parents(problem: Problem) -> dict[str, str]:
    """Each managed id's manager: the managers table, then the participants' own."""
    parent: dict[str, str] = dict(problem.managers)
    parent.update((p.id, p.manager) for p in problem.participants if p.manager is not None)
    return parent


def _manager_ancestors(problem: Problem, pos: dict[str, int]) -> tuple[IntArray, IntArray]:
    parent = manager_parents(problem)
    # Participants' codes are their positions; other managers follow in name order.
    codes = dict(pos)
    for name in sorted((parent.keys() | set(parent.values())) - pos.keys()):
        codes[name] = len(codes)
    up = np.full(len(codes), -1, dtype=np.int64)
    if parent:
        child = np.fromiter(map(codes.__getitem__, parent), np.int64, len(parent))
        up[child] = np.fromiter(map(codes.__getitem__, parent.values()), np.int64, len(parent))
    # Every chain ends within len(codes) steps unless it runs into a cycle: jump 2^k steps
    # at a time (-1, no manager, stays put) until that many are taken.
    far, steps = up, 1
    while steps < len(codes):
        far = np.where(far >= 0, far[far], -1)
        steps *= 2
    if (far >= 0).any():
        _raise_cycle(problem, parent)
    n = len(pos)
    anc1 = up[:n].copy()
    anc2 = np.where(anc1 >= 0, up[anc1], -1)
    return anc1, anc2


def _raise_cycle(problem: Problem, parent: dict[str, str]) -> None:
    """Name the cycle the first walk (in the order of ``parent``) runs into."""
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


def build_index(problem: Problem, at: datetime | None = None) -> Index:
    people = problem.participants
    ids = [p.id for p in people]
    pos = {pid: i for i, pid in enumerate(ids)}
    n = len(ids)
    when = at or DEFAULT_AT
    dept, _ = _codes([p.department for p in people])
    anc1, anc2 = manager_ancestors(problem, pos)
    # A cohort has a few language sets, zones and bands: each is worked out once.
    languages = [p.languages for p in people]
    lang_key = {k: ",".join(sorted(k)) if k else None for k in set(languages)}
    lang_class, lang_names = _codes(list(map(lang_key.__getitem__, languages)))
    lang_sets = [frozenset(k.split(",")) for k in lang_names]
    zones = [p.timezone for p in people]
    offset: dict[str | None, str | None] = {None: None}
    # In order of first use, so that the first bad zone is the first person's with one.
    for zone in dict.fromkeys(zones):
        if zone is None:
            continue
        try:
            offset[zone] = str(utc_offset_minutes(zone, when))
        except ValueError:
            i = zones.index(zone)
            raise InputError(
                f"unknown time zone {zone!r}",
                record=f"participants[{i}] (id {people[i].id})",
                field="timezone",
            ) from None
    tz_class, tz_names = _codes(list(map(offset.__getitem__, zones)))
    generations = [p.generation for p in people]
    bands = ordered_bands((g for g in generations if g is not None), problem.rules.generations)
    band = {g: bands.get(g, -1) if g else -1 for g in set(generations)}
    gen = np.fromiter(map(band.__getitem__, generations), dtype=np.int64, count=n)
    share_lists = [p.shares for p in people]
    want_lists = [p.wants for p in people]
    topics = sorted(
        set(map(itemgetter(0), chain.from_iterable(share_lists)))
        | set(map(itemgetter(0), chain.from_iterable(want_lists)))
    )
    tpos = {t: j for j, t in enumerate(topics)}
    shares = _levels(n, tpos, share_lists)
    wants = _levels(n, tpos, want_lists)
    total = wants.sum(axis=1)
    wants_norm = np.divide(
        wants, 3.0 * total[:, None], out=np.zeros_like(wants), where=total[:, None] > 0
    ).astype(np.float32, copy=False)  # float32 already: no copy of n x T values
    forbid: list[int] = []
    rules = problem.rules
    for p in people:
        if not p.blocks and not p.previous:
            continue  # most people block nobody and have no earlier partner
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
    wishers = [p for p in people if p.wishes]  # a few per cent wish for anyone
    wish_rank = {
        (pos[p.id], pos[w]): r for p in wishers for r, w in enumerate(p.wishes) if w in pos
    }
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
