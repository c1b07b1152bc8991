"""Gensidig's matching engine: Python with numpy, scipy, OR-Tools and numba, no Django.

Public API (see docs/matching.md):

- :class:`Participant`, :class:`Rules`, :class:`Weights`, :class:`Problem` (frozen input)
- :func:`parse_problem` (JSON-shaped dict -> Problem, raises :class:`InputError`)
- :func:`solve` (Problem -> :class:`Result`; ``Result.to_dict()`` is the JSON output)
- :func:`solve_weighted` (pre-computed edge weights -> Result)
- :func:`check_pair` (hard rules one given pair breaks) and :func:`score_pair`
  (one pair's score with its parts, what each side teaches and the reasons)
"""

from .model import (
    InputError,
    Pair,
    PairScore,
    Participant,
    Problem,
    Result,
    Rules,
    Unmatched,
    Weights,
)
from .pair import ScoredPair, check_pair, score_pair
from .parse import WeightedProblem, load_input, parse_csv, parse_problem, parse_weighted
from .rules import RULE_TEXT
from .solve import solve
from .weighted import solve_weighted

__all__ = [
    "RULE_TEXT",
    "InputError",
    "Pair",
    "PairScore",
    "Participant",
    "Problem",
    "Result",
    "Rules",
    "ScoredPair",
    "Unmatched",
    "WeightedProblem",
    "Weights",
    "check_pair",
    "load_input",
    "parse_csv",
    "parse_problem",
    "parse_weighted",
    "score_pair",
    "solve",
    "solve_weighted",
]
