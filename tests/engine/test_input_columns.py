"""Parsing and checking a cohort column by column gives what record by record gives.

The column parser takes only records in the form a JSON export writes; anything else
goes record by record, so errors still name the first bad record and field."""

from __future__ import annotations

import copy
import json
from dataclasses import fields
from typing import Any

import pytest

from gensidig.engine.model import InputError, Participant
from gensidig.engine.parse import (
    PARTICIPANT_KEYS,
    _NotPlain,
    _plain_participants,
    parse_participant,
    parse_problem,
)
from gensidig.engine.synthetic import cohort


def _by_record(raw: list[Any], mode: str) -> tuple[Participant, ...]:
    return tuple(parse_participant(r, i, mode) for i, r in enumerate(raw))  # type: ignore[arg-type]


def test_participant_fields_in_the_order_the_column_parser_passes() -> None:
    # The column parser takes a record's values in the order of PARTICIPANT_KEYS and
    # passes them to Participant by position.
    assert tuple(f.name for f in fields(Participant)) == PARTICIPANT_KEYS


@pytest.mark.parametrize("mode", ["reverse", "mutual"])
def test_column_parse_equals_record_parse_on_a_cohort(mode: str) -> None:
    raw = json.loads(json.dumps(cohort(150, 150, seed=3, mode=mode)))["participants"]
    got = _plain_participants(raw, mode)  # type: ignore[arg-type]
    assert got == _by_record(raw, mode)
    assert len(got) == 300


PLAIN = {
    "id": "a",
    "name": "Ann",
    "side": "young",
    "generation": "1995-2009",
    "department": "IT",
    "manager": "m",
    "languages": ["da", "en"],
    "timezone": "UTC",
    "capacity": 2,
    "shares": {"t2": 3, "t1": 1},
    "wants": {},
    "wishes": [],
    "blocks": [],
    "previous": [],
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", None),
        ("side", " young"),
        ("name", "  "),
        ("name", " Ann "),
        ("department", ""),
        ("department", " IT "),
        ("manager", None),
        ("timezone", None),
        ("languages", None),
        ("languages", ["da", "da", "en"]),
        ("languages", [" da", "da "]),
        ("languages", ["da", ""]),
        ("languages", []),
        ("wishes", None),
        ("capacity", None),
        ("capacity", 0),
        ("shares", None),
        ("wants", {"t3": 2}),
    ],
)
def test_column_parse_equals_record_parse_on_plain_variants(field: str, value: Any) -> None:
    rec = dict(PLAIN, **{field: value})
    raw = [copy.deepcopy(PLAIN), rec]
    assert _plain_participants(raw, "reverse") == _by_record(raw, "reverse")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", 7),
        ("id", " a "),
        ("side", None),
        ("side", "old"),
        ("capacity", True),
        ("capacity", "2"),
        ("capacity", -1),
        ("capacity", 1.0),
        ("languages", "da;en"),
        ("languages", ["da", 3]),
        ("shares", "t1:2"),
        ("shares", {"t1": True}),
        ("shares", {"t1": 4}),
        ("shares", {" t1": 2}),
        ("wishes", ("b",)),
        ("department", 5),
    ],
)
def test_column_parse_hands_odd_records_to_the_record_parser(field: str, value: Any) -> None:
    rec = dict(PLAIN, **{field: value})
    with pytest.raises(_NotPlain):
        _plain_participants([copy.deepcopy(PLAIN), rec], "reverse")


def test_column_parse_reads_a_missing_key_as_none() -> None:
    rec = {k: v for k, v in PLAIN.items() if k not in ("blocks", "capacity", "name")}
    raw = [copy.deepcopy(PLAIN), rec]
    assert _plain_participants(raw, "reverse") == _by_record(raw, "reverse")


def test_problem_with_odd_record_parses_record_by_record() -> None:
    odd = dict(PLAIN, id="b", side="experienced", capacity="3", languages="da|en")
    prob = parse_problem({"mode": "reverse", "participants": [PLAIN, odd]})
    assert prob.participants[1].capacity == 3
    assert prob.participants[1].languages == ("da", "en")


def _error(participants: list[dict[str, Any]], **top: Any) -> str:
    with pytest.raises(InputError) as info:
        parse_problem({"mode": "reverse", "participants": participants, **top})
    return str(info.value)


def _people(n: int) -> list[dict[str, Any]]:
    return [
        dict(PLAIN, id=f"p{i}", side=("young", "experienced")[i % 2], manager=None)
        for i in range(n)
    ]


def test_problem_duplicate_id_names_the_later_record() -> None:
    people = _people(5)
    people[3]["id"] = "p1"
    people[4]["wishes"] = ["nobody"]
    assert _error(people) == "participants[3] (id p1): id: duplicate id (also participants[1])"


def test_problem_unknown_reference_names_the_first_record_and_field() -> None:
    people = _people(5)
    people[4]["wishes"] = ["nobody"]
    people[2]["previous"] = ["ghost"]
    people[2]["blocks"] = ["p2"]
    assert _error(people) == "participants[2] (id p2): blocks: names the participant themself"


def test_problem_bad_generation_names_the_first_person_with_it() -> None:
    people = _people(4)
    people[3]["generation"] = "old"
    people[1]["generation"] = "1990s"
    assert _error(people) == (
        "participants[1] (id p1): generation: '1990s' must be a band of years such as 1995-2009"
    )


def test_problem_bad_time_zone_names_the_first_person_with_it() -> None:
    people = _people(4)
    people[3]["timezone"] = "Mars/Olympus"
    people[2]["timezone"] = "Moon/Base"
    assert _error(people) == "participants[2] (id p2): timezone: unknown time zone 'Moon/Base'"
