from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gensidig.matching.models import Pair
from gensidig.meetings.models import Meeting
from gensidig.programs.models import State
from tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    ProgramFactory,
    TopicFactory,
    UserFactory,
)

# The pairs began on a Monday morning; tests move a clock from here.
BEGAN = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def duo(organisation: Any, admin: Any, young: Any, experienced: Any) -> dict[str, Any]:
    """A running program (meetings every 3 weeks) with the named young and experienced
    participants as a pair, and another pair of two other participants."""
    program = ProgramFactory(
        organisation=organisation, state=State.RUNNING, name="Gensidig 2027", cadence_weeks=3
    )
    tiktok = TopicFactory(
        organisation=organisation, slug="tiktok", name_da="TikTok", name_en="TikTok"
    )
    history = TopicFactory(
        organisation=organisation,
        slug="history",
        name_da="Firmaets historie",
        name_en="Company history",
    )
    program.themes_young_to_experienced.set([tiktok])
    program.themes_experienced_to_young.set([history])
    ida = EnrolmentFactory(program=program, member=young, side="young")
    erik = EnrolmentFactory(program=program, member=experienced, side="experienced")
    pair = Pair.objects.create(program=program, a=ida, b=erik, created_at=BEGAN)
    freja = MemberFactory(
        organisation=organisation, user=UserFactory(email="freja@example.org", name="Freja Ung")
    )
    poul = MemberFactory(
        organisation=organisation, user=UserFactory(email="poul@example.org", name="Poul Erfaren")
    )
    other = Pair.objects.create(
        program=program,
        a=EnrolmentFactory(program=program, member=freja, side="young"),
        b=EnrolmentFactory(program=program, member=poul, side="experienced"),
        created_at=BEGAN,
    )
    return {
        "program": program,
        "pair": pair,
        "ida": ida,
        "erik": erik,
        "other": other,
        "freja": freja,
        "tiktok": tiktok,
        "history": history,
    }


def held(pair: Pair, when: datetime, *, by: Any = None, minutes: int = 60) -> Meeting:
    """A meeting that took place (made directly: actions only book meetings ahead)."""
    return Meeting.objects.create(
        pair=pair,
        proposed_by=by or pair.a,
        starts_at=when,
        minutes=minutes,
        place="Kantinen",
        status=Meeting.Status.CONFIRMED,
        confirmed_at=when - timedelta(days=3),
    )
