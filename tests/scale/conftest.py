"""An organisation of any size, built with bulk inserts (gensidig.demo.scale, as the load
benchmark's): `grow(n)` adds n couples of members (one young, one experienced), each
enrolled in one program, proposed to each other, paired, with three meetings (held,
cancelled and one ahead for every other pair)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from gensidig.demo.scale import (
    add_meetings,
    add_members,
    enrol_all,
    pair_proposals,
    propose_couples,
)
from gensidig.matching.models import Pair, Proposal, Round
from gensidig.meetings.models import Meeting
from gensidig.programs.models import State
from tests.factories import ProgramFactory, TopicFactory


def grow(organisation: Any, program: Any, n: int, *, start: int = 0) -> list[Pair]:
    members = add_members(
        organisation,
        2 * n,
        domain="scale.example",
        password=make_password(None),
        departments=7,
        start=start,
    )
    now = timezone.now()
    enrolments = enrol_all(program, members, now)
    matching_round = Round.objects.filter(program=program).first() or Round.objects.create(
        program=program, number=1, status=Round.Status.DONE
    )
    proposals = propose_couples(
        matching_round,
        enrolments,
        status=lambda i: Proposal.Status.ACCEPTED if i % 2 else Proposal.Status.DRAFT,
        score=lambda i: 1.0 + i / 1000,
        parts={"balance": 0.5, "wish": 0.1},
        teaches_a_to_b=["tiktok", "ai"],
        teaches_b_to_a=["history"],
        reasons_da="Kan lære fra sig om tiktok og ai; lærer om history.",
        reasons_en="Can teach tiktok and ai; learns about history.",
    )
    began = now - timedelta(weeks=10)
    pairs = pair_proposals(proposals, created_at=lambda i: began - timedelta(days=i))

    def times(i: int, pair: Pair) -> list[tuple[datetime, str, Any]]:
        """Held a week in, one cancelled, and for every other pair one proposed."""
        return [
            (began + timedelta(weeks=1), Meeting.Status.CONFIRMED, pair.a),
            (began + timedelta(weeks=2 + i % 5), Meeting.Status.CANCELLED, pair.a),
            *([(now + timedelta(days=3), Meeting.Status.PROPOSED, pair.a)] if i % 2 == 0 else []),
        ]

    add_meetings(pairs, times)
    return pairs


@pytest.fixture
def scaled(organisation: Any, admin: Any) -> Any:
    """A program in the matching state with its topics; `scaled(n)` grows it by n couples."""
    program = ProgramFactory(organisation=organisation, state=State.MATCHING, cadence_weeks=2)
    for slug, da, en in (
        ("tiktok", "TikTok", "TikTok"),
        ("ai", "AI-værktøjer", "AI tools"),
        ("history", "Firmaets historie", "Company history"),
    ):
        TopicFactory(organisation=organisation, slug=slug, name_da=da, name_en=en)

    def build(n: int) -> Any:
        grow(organisation, program, n)
        return program

    return build
