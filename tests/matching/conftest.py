from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from gensidig.programs.models import ProfileTopic, State
from tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    ProgramFactory,
    TopicFactory,
    UserFactory,
)


def profile(enrolment: Any, shares: dict[Any, int], wants: dict[Any, int]) -> Any:
    for topic, level in shares.items():
        ProfileTopic.objects.create(enrolment=enrolment, topic=topic, kind="share", level=level)
    for topic, level in wants.items():
        ProfileTopic.objects.create(enrolment=enrolment, topic=topic, kind="want", level=level)
    enrolment.charter_acknowledged_at = timezone.now()
    enrolment.save()
    return enrolment


@pytest.fixture
def cohort(organisation: Any, admin: Any, young: Any, experienced: Any) -> dict[str, Any]:
    """A program in the matching state: the named young and experienced participants and one
    more of each, with profiles where each young fits one experienced best.

    `young` reports to `experienced`, so the reporting-line rule keeps them apart."""
    program = ProgramFactory(organisation=organisation, state=State.MATCHING, name="Gensidig 2027")
    tiktok = TopicFactory(
        organisation=organisation, slug="tiktok", name_da="TikTok", name_en="TikTok"
    )
    ai = TopicFactory(
        organisation=organisation, slug="ai", name_da="AI-værktøjer", name_en="AI tools"
    )
    strategy = TopicFactory(
        organisation=organisation, slug="strategy", name_da="Strategi", name_en="Strategy"
    )
    history = TopicFactory(
        organisation=organisation,
        slug="history",
        name_da="Firmaets historie",
        name_en="Company history",
    )
    other_young = MemberFactory(
        organisation=organisation,
        user=UserFactory(email="freja@example.org", name="Freja Ung"),
        department="Lager",
    )
    other_old = MemberFactory(
        organisation=organisation,
        user=UserFactory(email="poul@example.org", name="Poul Erfaren"),
        department="Produktion",
        generation="1946-1964",
    )
    e = {
        "young": EnrolmentFactory(
            program=program, member=young, side="young", generation="1995-2009"
        ),
        "freja": EnrolmentFactory(
            program=program, member=other_young, side="young", generation="1995-2009"
        ),
        "experienced": EnrolmentFactory(
            program=program, member=experienced, side="experienced", generation="1965-1979"
        ),
        "poul": EnrolmentFactory(
            program=program, member=other_old, side="experienced", generation="1946-1964"
        ),
    }
    profile(e["young"], {tiktok: 3, ai: 2}, {strategy: 2, history: 1})
    profile(e["freja"], {tiktok: 3}, {strategy: 3})
    profile(e["experienced"], {strategy: 3}, {tiktok: 2})
    profile(e["poul"], {history: 3, strategy: 1}, {tiktok: 2, ai: 2})
    return {"program": program, **e}
