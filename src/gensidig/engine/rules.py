"""Hard rules: which pairs may never be proposed, checked one pair at a time or in bulk."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from itertools import chain
from operator import attrgetter

import numpy as np

from .index import BoolArray, Index, IntArray, manager_parents, utc_offset_minutes
from .model import InputError, Participant, Problem
from .parse import band_years, ordered_bands

# Rule codes, in the order they are reported, with plain words in English and Danish.
RULE_TEXT: dict[str, tuple[str, str]] = {
    "self": ("cannot be paired with oneself", "kan ikke parres med sig selv"),
    "same_side": ("both are on the same side", "begge er på samme side"),
    "capacity": ("has no capacity for a partner", "har ikke plads til en partner"),
    "reporting_line": (
        "one is in the other's reporting line",
        "den ene er i den andens ledelseslinje",
    ),
    "same_manager": ("they share a manager", "de har samme leder"),
    "same_department": ("they work in the same department", "de er i samme afdeling"),
    "shared_language": ("they have no language in common", "de har intet fælles sprog"),
    "repeat": ("they have been partners before", "de har været partnere før"),
    "blocked": ("one has blocked the other", "den ene har blokeret den anden"),
    "excluded": ("an admin has excluded the pair", "en administrator har udelukket parret"),
    "generation_gap": (
        "their generations are too close (or unknown)",
        "deres generationer ligger for tæt (eller er ukendte)",
    ),
    "nothing_to_learn": (
        "neither can teach anything the other wants",
        "ingen af dem kan lære den anden noget, den anden ønsker",
    ),
}
RULES_ORDER = tuple(RULE_TEXT)


def _participant_record(problem: Problem, i: int) -> str:
    return f"participants[{i}] (id {problem.participants[i].id})"


def _check_references(problem: Problem) -> dict[str, int]:
    people = problem.participants
    pos = {p.id: i for i, p in enumerate(people)}
    if len(pos) < len(people) or not _references_fine(problem, pos):
        _first_bad_reference(problem)
    for name, pairs in (("locked", problem.locked), ("excluded", problem.excluded)):
        for k, (a, b) in enumerate(pairs):
            for x in (a, b):
                if x not in pos:
                    raise InputError(f"unknown id {x!r}", record=f"{name}[{k}]", field=name)
            if a == b:
                raise InputError(
                    "pairs a participant with themself", record=f"{name}[{k}]", field=name
                )
    return pos


_REFERENCE_FIELDS = ("wishes", "blocks", "previous")


def _references_fine(problem: Problem, pos: dict[str, int]) -> bool:
    """Whether every wish, block and previous partner names another participant: one
    pass per field over the people who name anyone (most name nobody)."""
    for name in _REFERENCE_FIELDS:
        get = attrgetter(name)
        naming = [p for p in problem.participants if get(p)]
        if not set(chain.from_iterable(map(get, naming))) <= pos.keys():
            return False
        if any(p.id in get(p) for p in naming):
            return False
    return True


def _first_bad_reference(problem: Problem) -> None:
    """Raise the error for the first participant (in input order) with a duplicate id or
    a reference to an unknown id or to themself."""
    pos: dict[str, int] = {}
    for i, p in enumerate(problem.participants):
        if p.id in pos:
            raise InputError(
                f"duplicate id (also participants[{pos[p.id]}])",
                record=_participant_record(problem, i),
                field="id",
            )
        pos[p.id] = i
    for i, p in enumerate(problem.participants):
        for name in _REFERENCE_FIELDS:
            for other in getattr(p, name):
                if other not in pos:
                    raise InputError(
                        f"unknown id {other!r}", record=_participant_record(problem, i), field=name
                    )
                if other == p.id:
                    raise InputError(
                        "names the participant themself",
                        record=_participant_record(problem, i),
                        field=name,
                    )


def _check_generations(problem: Problem) -> None:
    declared = set(problem.rules.generations)
    # A cohort has a handful of bands: judge each once, and look for the first person
    # with a bad one only when there is one.
    bands = {p.generation for p in problem.participants if p.generation is not None}
    bad = {g for g in bands if (g not in declared if declared else band_years(g) is None)}
    if not bad:
        return
    for i, p in enumerate(problem.participants):
        g = p.generation
        if g not in bad:
            continue
        if declared:
            raise InputError(
                f"{g!r} is not one of the program's generation bands",
                record=_participant_record(problem, i),
                field="generation",
            )
        raise InputError(
            f"{g!r} must be a band of years such as 1995-2009",
            record=_participant_record(problem, i),
            field="generation",
        )


def _check_timezones(problem: Problem) -> None:
    from .index import DEFAULT_AT

    at = DEFAULT_AT.isoformat()
    # A cohort has a handful of zones: each is looked up once, in order of first use, so
    # the first bad one is the first person's with a bad zone.
    for zone in dict.fromkeys(p.timezone for p in problem.participants):
        if zone is None:
            continue
        try:
            _zone(zone, at)
        except ValueError:
            i = next(i for i, p in enumerate(problem.participants) if p.timezone == zone)
            raise InputError(
                f"unknown time zone {zone!r}",
                record=_participant_record(problem, i),
                field="timezone",
            ) from None


@lru_cache(maxsize=4096)
def _zone(name: str, at_iso: str) -> int:
    from datetime import datetime

    return utc_offset_minutes(name, datetime.fromisoformat(at_iso))


def _check_manager_cycle(problem: Problem, pos: dict[str, int]) -> None:
    from .index import manager_ancestors

    manager_ancestors(problem, pos)


def validate_problem(problem: Problem) -> None:
    """Raise InputError for the first problem found, naming the record and field."""
    pos = _check_references(problem)
    _check_generations(problem)
    _check_timezones(problem)
    _check_manager_cycle(problem, pos)  # pos: each id's position (the ids are distinct)
    if not problem.locked:
        return  # the checker indexes every participant: only locked pairs need it
    checker = PairChecker(problem)
    load: Counter[str] = Counter()
    seen: set[frozenset[str]] = set()
    for k, (a, b) in enumerate(problem.locked):
        key = frozenset((a, b))
        if key in seen:
            raise InputError("the pair is locked twice", record=f"locked[{k}]", field="locked")
        seen.add(key)
        broken = [r for r in checker.check(a, b) if r != "nothing_to_learn"]
        if broken:
            raise InputError(
                "breaks the rule(s): " + ", ".join(broken), record=f"locked[{k}]", field="locked"
            )
        for x in (a, b):
            load[x] += 1
            if load[x] > problem.participants[pos[x]].capacity:
                raise InputError(
                    f"{x} is locked into more pairs than their capacity "
                    f"({problem.participants[pos[x]].capacity})",
                    record=f"locked[{k}]",
                    field="capacity",
                )


class PairChecker:
    """Checks single pairs against the hard rules (the admin's pair-by-hand warning)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.people: dict[str, Participant] = {p.id: p for p in problem.participants}
        self.parent = manager_parents(problem)
        self.excluded = {frozenset(x) for x in problem.excluded}
        self.bands = ordered_bands(
            (p.generation for p in problem.participants if p.generation), problem.rules.generations
        )

    def _chain(self, pid: str, depth: int) -> list[str]:
        out: list[str] = []
        node = pid
        for _ in range(depth):
            nxt = self.parent.get(node)
            if nxt is None:
                break
            out.append(nxt)
            node = nxt
        return out

    def check(self, a_id: str, b_id: str) -> list[str]:
        """Codes of the hard rules the pair breaks (empty when it may be proposed)."""
        a, b = self.people[a_id], self.people[b_id]
        r = self.problem.rules
        broken: list[str] = []
        if a.id == b.id:
            broken.append("self")
        if self.problem.mode == "reverse" and a.side == b.side:
            broken.append("same_side")
        if a.capacity == 0 or b.capacity == 0:
            broken.append("capacity")
        depth = r.reporting_line_depth
        if depth and (b.id in self._chain(a.id, depth) or a.id in self._chain(b.id, depth)):
            broken.append("reporting_line")
        if r.exclude_same_manager and a.manager is not None and a.manager == b.manager:
            broken.append("same_manager")
        if r.different_department and (
            a.department is None or b.department is None or a.department == b.department
        ):
            broken.append("same_department")
        if r.shared_language and not set(a.languages) & set(b.languages):
            broken.append("shared_language")
        if r.forbid_repeat and (b.id in a.previous or a.id in b.previous):
            broken.append("repeat")
        if b.id in a.blocks or a.id in b.blocks:
            broken.append("blocked")
        if frozenset((a.id, b.id)) in self.excluded:
            broken.append("excluded")
        if self.problem.mode == "mutual" and r.min_generation_gap > 0:
            ga = self.bands.get(a.generation) if a.generation else None
            gb = self.bands.get(b.generation) if b.generation else None
            if ga is None or gb is None or abs(ga - gb) < r.min_generation_gap:
                broken.append("generation_gap")
        if not _learns(a, b) and not _learns(b, a):
            broken.append("nothing_to_learn")
        return broken


def _learns(teacher: Participant, learner: Participant) -> bool:
    return bool({t for t, _ in teacher.shares} & {t for t, _ in learner.wants})


def check_pair(problem: Problem, a: str, b: str) -> list[str]:
    """The hard rules a given pair breaks, as codes from RULE_TEXT (empty: allowed).

    ``nothing_to_learn`` is reported too: the engine never proposes such a pair, but an
    admin may still lock it.
    """
    return PairChecker(problem).check(a, b)


# ---- bulk versions over index arrays ---------------------------------------------------


def class_tables(idx: Index) -> tuple[BoolArray, BoolArray]:
    """Shared-language table over language classes; generation-gap table over bands."""
    k = len(idx.lang_sets)
    lang = np.zeros((k, k), dtype=np.bool_)
    for i in range(k):
        for j in range(k):
            lang[i, j] = bool(idx.lang_sets[i] & idx.lang_sets[j])
    g = int(idx.gen.max()) + 1 if idx.n else 0
    bands = np.arange(g)
    gap = np.abs(bands[:, None] - bands[None, :]) >= idx.problem.rules.min_generation_gap
    return lang, gap


def rule_masks(idx: Index, a: IntArray, b: IntArray) -> dict[str, BoolArray]:
    """For each rule, where the pairs (a[i], b[i]) break it. Learning is checked elsewhere."""
    prob = idx.problem
    r = prob.rules
    out: dict[str, BoolArray] = {"self": a == b}
    if prob.mode == "reverse":
        out["same_side"] = idx.young[a] == idx.young[b]
    out["capacity"] = (idx.capacity[a] == 0) | (idx.capacity[b] == 0)
    if r.reporting_line_depth >= 1:
        rl = (idx.anc1[a] == b) | (idx.anc1[b] == a)
        if r.reporting_line_depth >= 2:
            rl |= (idx.anc2[a] == b) | (idx.anc2[b] == a)
        out["reporting_line"] = rl
    if r.exclude_same_manager:
        out["same_manager"] = (idx.anc1[a] == idx.anc1[b]) & (idx.anc1[a] >= 0)
    if r.different_department:
        da, db = idx.dept[a], idx.dept[b]
        out["same_department"] = (da < 0) | (db < 0) | (da == db)
    lang_table, gap_table = class_tables(idx)
    if r.shared_language:
        la, lb = idx.lang_class[a], idx.lang_class[b]
        ok = (la >= 0) & (lb >= 0)
        shared = np.zeros(len(a), dtype=np.bool_)
        shared[ok] = lang_table[la[ok], lb[ok]]
        out["shared_language"] = ~shared
    if prob.mode == "mutual" and r.min_generation_gap > 0:
        ga, gb = idx.gen[a], idx.gen[b]
        ok = (ga >= 0) & (gb >= 0)
        wide = np.zeros(len(a), dtype=np.bool_)
        wide[ok] = gap_table[ga[ok], gb[ok]]
        out["generation_gap"] = ~wide
    if len(idx.forbid_keys):
        keys = a * idx.n + b
        hit = np.searchsorted(idx.forbid_keys, keys)
        hit = np.minimum(hit, len(idx.forbid_keys) - 1)
        forbidden = idx.forbid_keys[hit] == keys
        if forbidden.any():
            # Name the precise rule only where something is forbidden: it is rare.
            out.update(_forbidden_detail(idx, a, b, forbidden))
    return out


def _forbidden_detail(
    idx: Index, a: IntArray, b: IntArray, forbidden: BoolArray
) -> dict[str, BoolArray]:
    prob = idx.problem
    people = prob.participants
    excluded = {frozenset(x) for x in prob.excluded}
    masks = {k: np.zeros(len(a), dtype=np.bool_) for k in ("repeat", "blocked", "excluded")}
    for i in np.flatnonzero(forbidden):
        pa, pb = people[int(a[i])], people[int(b[i])]
        if prob.rules.forbid_repeat and (pb.id in pa.previous or pa.id in pb.previous):
            masks["repeat"][i] = True
        if pb.id in pa.blocks or pa.id in pb.blocks:
            masks["blocked"][i] = True
        if frozenset((pa.id, pb.id)) in excluded:
            masks["excluded"][i] = True
    return masks


def feasible(idx: Index, a: IntArray, b: IntArray) -> BoolArray:
    masks = rule_masks(idx, a, b)
    bad = np.zeros(len(a), dtype=np.bool_)
    for m in masks.values():
        bad |= m
    return ~bad
