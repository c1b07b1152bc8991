"""The engine's frozen input and output types.

Everything here is plain data: the web app's adapter builds these from rows, the
command line builds them from JSON or CSV, and neither needs the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["reverse", "mutual"]
Side = Literal["young", "experienced"]

SIDES: tuple[Side, ...] = ("young", "experienced")
MODES: tuple[Mode, ...] = ("reverse", "mutual")


class InputError(ValueError):
    """Bad input, naming the record (e.g. ``participants[3] (id p4)``) and the field."""

    def __init__(self, message: str, *, record: str, field: str) -> None:
        super().__init__(f"{record}: {field}: {message}" if field else f"{record}: {message}")
        self.record = record
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the named parts of a pair's score (see docs/matching.md)."""

    learning: float = 1.0
    # Share of the learning weight paid on the plain sum of the two directions; the
    # rest is paid on their harmonic mean, which is zero for a one-sided pair.
    one_sided: float = 0.25
    wish: float = 0.15
    cross_department: float = 0.05
    timezone: float = 0.05


@dataclass(frozen=True, slots=True)
class Rules:
    """A program's pairing rules. Defaults follow the issue's model."""

    reporting_line_depth: int = 2
    shared_language: bool = True
    different_department: bool = False
    exclude_same_manager: bool = False
    forbid_repeat: bool = True
    min_generation_gap: int = 1
    # Ordered generation bands; when empty, the distinct bands in the input sorted by year.
    generations: tuple[str, ...] = ()
    weights: Weights = field(default_factory=Weights)
    # Candidates kept per person before pricing; pricing adds any pair the bound needs.
    candidates: int = 24
    # Mutual mode is proved optimal by an integer program up to this many people.
    exact_limit: int = 400
    # Seconds the integer program may take; past it the result carries its gap.
    time_limit: float = 20.0


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    name: str = ""
    side: Side | None = None
    generation: str | None = None
    department: str | None = None
    manager: str | None = None
    languages: tuple[str, ...] = ()
    timezone: str | None = None
    capacity: int = 1
    shares: tuple[tuple[str, int], ...] = ()
    wants: tuple[tuple[str, int], ...] = ()
    wishes: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    previous: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    mode: Mode
    participants: tuple[Participant, ...]
    rules: Rules = field(default_factory=Rules)
    locked: tuple[tuple[str, str], ...] = ()
    excluded: tuple[tuple[str, str], ...] = ()
    # Reporting lines of managers who are not participants: id -> their manager.
    managers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PairScore:
    """One pair's score with its named parts and what each side can teach the other."""

    score: float
    parts: dict[str, float]
    a_to_b: tuple[str, ...]
    b_to_a: tuple[str, ...]
    learn_a_to_b: float
    learn_b_to_a: float


@dataclass(frozen=True, slots=True)
class Pair:
    a: str
    b: str
    score: float
    parts: dict[str, float]
    teaches_a_to_b: tuple[str, ...] = ()
    teaches_b_to_a: tuple[str, ...] = ()
    reasons_da: str = ""
    reasons_en: str = ""
    locked: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "a": self.a,
            "b": self.b,
            "score": self.score,
            "parts": dict(self.parts),
            "teaches": {"a_to_b": list(self.teaches_a_to_b), "b_to_a": list(self.teaches_b_to_a)},
            "reasons": {"da": self.reasons_da, "en": self.reasons_en},
        }
        if self.locked:
            out["locked"] = True
        return out


@dataclass(frozen=True, slots=True)
class Unmatched:
    id: str
    code: str
    reason_en: str
    reason_da: str
    rules: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "code": self.code,
            "reason": self.reason_en,
            "reasons": {"da": self.reason_da, "en": self.reason_en},
        }
        if self.rules:
            out["rules"] = dict(sorted(self.rules.items()))
        return out


@dataclass(frozen=True, slots=True)
class Result:
    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    objective: float
    bound: float
    gap: float
    stats: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pairs": [p.to_dict() for p in self.pairs],
            "unmatched": [u.to_dict() for u in self.unmatched],
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "stats": self.stats,
        }
