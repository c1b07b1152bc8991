"""A running program with pairs whose figures are known in advance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from gensidig.matching.models import Pair, Proposal, Round
from gensidig.meetings.models import Assessment, Goal, GoalMark, Meeting, Reflection
from gensidig.programs.models import Side
from tests.factories import EnrolmentFactory, ProgramFactory, TopicFactory


def build_pairs(
    program: Any, count: int, *, start: int = 0, now: datetime | None = None
) -> list[Pair]:
    """`count` pairs begun 70 days ago. Even-numbered pairs (by position) met 7 days ago and
    learned both ways; odd ones met 40 days ago and only the experienced partner learned
    (two topics). Every young partner has one reached goal and rated it 2 before, 4 after.
    `now` (default: the clock) is what "ago" counts from."""
    now = now or timezone.now()
    ai, strategy, customers = (
        TopicFactory(
            organisation=program.organisation, name_da=f"{n} {start}", name_en=f"{n} {start}"
        )
        for n in ("AI", "Strategi", "Kunder")
    )
    matching_round = Round.objects.create(program=program, number=start + 1)
    pairs = []
    for i in range(count):
        young = EnrolmentFactory(program=program, side=Side.YOUNG)
        old = EnrolmentFactory(program=program, side=Side.EXPERIENCED, generation="1965-1979")
        proposal = Proposal.objects.create(
            round=matching_round, program=program, a=young, b=old, status="accepted"
        )
        pair = Pair.objects.create(
            program=program, a=young, b=old, proposal=proposal, created_at=now - timedelta(days=70)
        )
        both_ways = (start + i) % 2 == 0
        met = Meeting.objects.create(
            pair=pair,
            proposed_by=young,
            starts_at=now - timedelta(days=7 if both_ways else 40),
            minutes=60,
            status=Meeting.Status.CONFIRMED,
        )
        mine = Reflection.objects.create(meeting=met, author=old, learned_text="x", usefulness=4)
        if both_ways:
            mine.learned.set([ai])
            theirs = Reflection.objects.create(
                meeting=met, author=young, learned_text="y", usefulness=5
            )
            theirs.learned.set([strategy])
        else:
            mine.learned.set([ai, customers])
        goal = Goal.objects.create(pair=pair, learner=young, text="Strategi", topic=strategy)
        GoalMark.objects.create(goal=goal, progress=1, created_at=now - timedelta(days=30))
        GoalMark.objects.create(goal=goal, progress=4, created_at=now - timedelta(days=1))
        Assessment.objects.create(pair=pair, learner=young, topic=strategy, phase="pre", level=2)
        Assessment.objects.create(pair=pair, learner=young, topic=strategy, phase="post", level=4)
        pairs.append(pair)
    return pairs


@pytest.fixture
def program(organisation: Any) -> Any:
    return ProgramFactory(organisation=organisation, state="running", cadence_weeks=4)
