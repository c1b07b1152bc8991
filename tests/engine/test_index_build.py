"""Building the index from whole columns: codes, levels, reporting lines and their cycles."""

from __future__ import annotations

import numpy as np
import pytest

from gensidig.engine.index import _ANCESTORS, _codes, build_index
from gensidig.engine.model import InputError, Participant, Problem
from gensidig.engine.parse import parse_problem


def _person(pid: str, **fields: object) -> Participant:
    base: dict[str, object] = {"side": "young", "languages": ("da",), "shares": (("t", 1),)}
    return Participant(id=pid, **{**base, **fields})  # type: ignore[arg-type]


def test_codes_number_values_in_order_of_first_appearance() -> None:
    codes, names = _codes(["b", None, "a", "b", None, "c"])
    assert codes.tolist() == [0, -1, 1, 0, -1, 2]
    assert names == ["b", "a", "c"]


def test_codes_of_nothing_are_empty() -> None:
    codes, names = _codes([])
    assert (codes.tolist(), names, codes.dtype) == ([], [], np.int64)


def test_levels_of_a_topic_given_twice_keep_the_last() -> None:
    people = (
        _person("a", shares=(("u", 2), ("t", 1), ("u", 3))),
        _person("b", side="experienced", wants=(("t", 2), ("t", 1))),
    )
    idx = build_index(Problem(mode="reverse", participants=people))
    assert idx.topics == ["t", "u"]
    assert idx.shares.tolist() == [[1.0, 3.0], [1.0, 0.0]]
    assert idx.wants_norm[1].tolist() == [np.float32(1 / 3), 0.0]


def test_reporting_lines_through_managers_outside_the_cohort() -> None:
    _ANCESTORS.clear()
    people = (
        _person("a", manager="boss"),
        _person("b", manager="a"),
        _person("c"),
        _person("d", manager="zed"),
    )
    problem = Problem(
        mode="reverse", participants=people, managers=(("boss", "ceo"), ("zed", "boss"))
    )
    idx = build_index(problem)
    # Codes: participants by position, then the others by name: boss 4, ceo 5, zed 6.
    assert idx.anc1.tolist() == [4, 0, -1, 6]
    assert idx.anc2.tolist() == [5, 4, -1, 4]


def test_long_reporting_chain_is_no_cycle() -> None:
    _ANCESTORS.clear()
    people = tuple(_person(f"p{k}", manager=f"p{k + 1}" if k < 2999 else None) for k in range(3000))
    idx = build_index(Problem(mode="reverse", participants=people))
    assert idx.anc1[:3].tolist() == [1, 2, 3]
    assert idx.anc2[2997:].tolist() == [2999, -1, -1]


def test_cycle_among_outside_managers_names_the_first_one_reached() -> None:
    data = {
        "mode": "reverse",
        "managers": {"m1": "m2", "m2": "m3", "m3": "m2"},
        "participants": [
            {"id": "a", "side": "young", "manager": "m1"},
            {"id": "b", "side": "experienced"},
        ],
    }
    with pytest.raises(InputError) as info:
        parse_problem(data)
    assert str(info.value) == "managers[m2]: manager: the reporting lines form a cycle"


def test_own_manager_is_a_cycle() -> None:
    data = {
        "mode": "reverse",
        "participants": [
            {"id": "a", "side": "young"},
            {"id": "b", "side": "experienced", "manager": "b"},
        ],
    }
    with pytest.raises(InputError) as info:
        parse_problem(data)
    assert str(info.value) == "participants[1] (id b): manager: the reporting lines form a cycle"


def test_build_index_unknown_zone_names_the_first_person_with_it() -> None:
    people = (
        _person("a", timezone="UTC"),
        _person("b", timezone="Moon/Base"),
        _person("c", timezone="Mars/Olympus"),
        _person("d", timezone="Moon/Base"),
    )
    with pytest.raises(InputError) as info:
        build_index(Problem(mode="reverse", participants=people))
    assert str(info.value) == "participants[1] (id b): timezone: unknown time zone 'Moon/Base'"
