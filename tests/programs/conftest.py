"""Programs in the test organisation: a draft one and one open for enrolment, with the
named young and experienced people enrolled."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def topics(organisation: Any) -> dict[str, Any]:
    from gensidig.programs import actions
    from gensidig.programs.models import Topic

    actions.seed_topics(organisation=organisation)
    return {topic.slug: topic for topic in Topic.objects.filter(organisation=organisation)}


@pytest.fixture
def program(organisation: Any, admin: Any) -> Any:
    from tests.factories import ProgramFactory

    return ProgramFactory(organisation=organisation, name="Gensidig læring", sponsor=admin)


@pytest.fixture
def enrolling(program: Any) -> Any:
    program.state = "enrolling"
    program.save()
    return program


@pytest.fixture
def young_enrolment(enrolling: Any, young: Any) -> Any:
    from tests.factories import EnrolmentFactory

    return EnrolmentFactory(program=enrolling, member=young, side="young", profile_step=0)


@pytest.fixture
def experienced_enrolment(enrolling: Any, experienced: Any) -> Any:
    from tests.factories import EnrolmentFactory

    return EnrolmentFactory(
        program=enrolling, member=experienced, side="experienced", generation="1965-1979"
    )
