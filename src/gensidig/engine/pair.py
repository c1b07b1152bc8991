"""One pair at a time: the admin's "pair by hand" check and a single pair's explanation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from .explain import pair_reasons
from .index import build_index
from .model import InputError, Problem
from .rules import PairChecker
from .solve import batch_scores


@dataclass(frozen=True, slots=True)
class ScoredPair:
    a: str
    b: str
    score: float
    parts: dict[str, float]
    teaches_a_to_b: tuple[str, ...]
    teaches_b_to_a: tuple[str, ...]
    reasons_da: str
    reasons_en: str
    broken_rules: tuple[str, ...]


def _known(problem: Problem, *ids: str) -> None:
    known = {p.id for p in problem.participants}
    for k, pid in enumerate(ids):
        if pid not in known:
            raise InputError(f"unknown id {pid!r}", record="pair", field="ab"[k])


def check_pair(problem: Problem, a: str, b: str) -> list[str]:
    """Codes of the hard rules the pair (a, b) breaks; empty when the engine could propose it.

    ``nothing_to_learn`` is included when neither can teach the other anything wanted:
    the engine never proposes such a pair, though an admin may still lock it.
    """
    _known(problem, a, b)
    return PairChecker(problem).check(a, b)


def score_pair(problem: Problem, a: str, b: str, *, at: datetime | None = None) -> ScoredPair:
    """Score one pair with its named parts, what each teaches the other, and the reasons."""
    _known(problem, a, b)
    people = {p.id: p for p in problem.participants}
    both = {a, b}

    def only_us(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(x for x in ids if x in both)

    # Scores depend only on the two people, so a two-person problem is enough (and cheap).
    duo = tuple(
        replace(
            people[x],
            blocks=only_us(people[x].blocks),
            previous=only_us(people[x].previous),
            manager=None,
        )
        for x in (a, b)
    )
    small = Problem(mode=problem.mode, participants=duo, rules=problem.rules)
    idx = build_index(small, at)
    ps = batch_scores(idx, np.array([0], dtype=np.int64), np.array([1], dtype=np.int64))[0]
    da, en = pair_reasons(idx, 0, 1, ps, locked=False)
    return ScoredPair(
        a=a,
        b=b,
        score=ps.score,
        parts=ps.parts,
        teaches_a_to_b=ps.a_to_b,
        teaches_b_to_a=ps.b_to_a,
        reasons_da=da,
        reasons_en=en,
        broken_rules=tuple(check_pair(problem, a, b)),
    )
