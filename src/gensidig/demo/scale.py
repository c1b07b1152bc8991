"""Organisations of any size, built with bulk inserts: people, their enrolment in one
program, proposals, pairs and their meetings. Shared by the load benchmark's 10,000-member
organisation (bench/load/build.py) and the tests' large organisations
(tests/scale/conftest.py), each of which says when its pairs meet."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from gensidig.accounts.models import Member, Organisation, User
from gensidig.matching.models import Pair, Proposal, Round
from gensidig.meetings.models import Meeting, ends_of
from gensidig.programs.models import Enrolment, Program

BATCH = 2000
YOUNG, EXPERIENCED = "1995-2009", "1965-1979"


def add_members(
    organisation: Organisation,
    count: int,
    *,
    domain: str,
    password: str,
    departments: int,
    titles: int = 0,
    start: int = 0,
) -> list[Member]:
    """`count` people p<start>@domain … named "Person 00000" …, members of the organisation,
    young (even numbers) and experienced (odd) in turn, spread over the departments."""
    users = User.objects.bulk_create(
        [
            User(email=f"p{start + i}@{domain}", name=f"Person {start + i:05d}", password=password)
            for i in range(count)
        ],
        batch_size=BATCH,
    )
    return Member.objects.bulk_create(
        [
            Member(
                organisation=organisation,
                user=user,
                department=f"Afdeling {i % departments}",
                title=f"Stilling {i % titles}" if titles else "",
                generation=YOUNG if i % 2 == 0 else EXPERIENCED,
            )
            for i, user in enumerate(users)
        ],
        batch_size=BATCH,
    )


def enrol_all(program: Program, members: list[Member], now: datetime) -> list[Enrolment]:
    """Everyone enrolled, profile done: young and experienced in turn."""
    return Enrolment.objects.bulk_create(
        [
            Enrolment(
                program=program,
                member=member,
                side="young" if i % 2 == 0 else "experienced",
                status="enrolled",
                generation=member.generation,
                languages=["da"],
                charter_acknowledged_at=now,
            )
            for i, member in enumerate(members)
        ],
        batch_size=BATCH,
    )


def propose_couples(
    matching_round: Round,
    enrolments: list[Enrolment],
    *,
    status: Callable[[int], str],
    score: Callable[[int], float],
    **fields: Any,
) -> list[Proposal]:
    """Enrolments 2i and 2i+1 proposed to each other (`status(i)`, `score(i)`), with the
    same explanation fields (`fields`, each a value or a callable of i)."""
    return Proposal.objects.bulk_create(
        [
            Proposal(
                round=matching_round,
                program=matching_round.program,
                a=enrolments[2 * i],
                b=enrolments[2 * i + 1],
                score=score(i),
                status=status(i),
                **{name: value(i) if callable(value) else value for name, value in fields.items()},
            )
            for i in range(len(enrolments) // 2)
        ],
        batch_size=BATCH,
    )


def pair_proposals(
    proposals: list[Proposal], *, created_at: Callable[[int], datetime]
) -> list[Pair]:
    """A pair for each proposal given, the i-th created at `created_at(i)`."""
    return Pair.objects.bulk_create(
        [
            Pair(program=p.program, a=p.a, b=p.b, proposal=p, created_at=created_at(i))
            for i, p in enumerate(proposals)
        ],
        batch_size=BATCH,
    )


# When a pair meets: (start, status, proposer) for each meeting of the i-th pair.
MeetingTimes = Callable[[int, Pair], Iterable[tuple[datetime, str, Enrolment]]]


def add_meetings(pairs: list[Pair], times: MeetingTimes) -> list[Meeting]:
    """An hour in the canteen for each meeting `times(i, pair)` gives the i-th pair."""
    return Meeting.objects.bulk_create(
        [
            Meeting(
                pair=pair,
                proposed_by=by,
                starts_at=starts_at,
                minutes=60,
                ends_at=ends_of(starts_at, 60),
                place="Kantinen",
                status=status,
            )
            for i, pair in enumerate(pairs)
            for starts_at, status, by in times(i, pair)
        ],
        batch_size=BATCH,
    )
