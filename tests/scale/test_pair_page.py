"""The pair's page reads a fixed number of queries, under 15, however many meetings, goals,
marks and reflections the pair has (issue 17: it was 44, with the reflections read three
times, the goals five times and a topic query per goal form)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from gensidig.matching.models import Pair
from gensidig.meetings.models import Assessment, Goal, GoalMark, Meeting, Reflection
from gensidig.programs.models import Topic

PAIR_PAGE_QUERIES = 12


def enrich(pair: Pair, meetings: int) -> None:
    """Held meetings with both partners' reflections, and three goals per side with marks."""
    topics = list(Topic.objects.filter(organisation_id=pair.program.organisation_id))
    for n in range(meetings):
        starts = pair.created_at + timedelta(days=7 * n + 1)
        meeting = Meeting.objects.create(
            pair=pair,
            proposed_by=pair.a,
            starts_at=starts,
            minutes=45,
            place="Kantinen",
            status=Meeting.Status.CONFIRMED,
        )
        for author in (pair.a, pair.b):
            reflection = Reflection.objects.create(
                meeting=meeting, author=author, learned_text="Noget nyt", usefulness=4
            )
            reflection.taught.set(topics[:2])
            reflection.learned.set(topics[1:])
    for learner in (pair.a, pair.b):
        for topic in topics:
            goal = Goal.objects.create(pair=pair, learner=learner, text="Lære", topic=topic)
            for progress in range(meetings % 5):
                GoalMark.objects.create(goal=goal, progress=progress)
            Assessment.objects.create(pair=pair, learner=learner, topic=topic, phase="pre", level=2)


@pytest.mark.parametrize("meetings", [1, 12])
def test_pair_page_queries_fixed_and_under_15(
    client: Any, scaled: Any, django_assert_num_queries: Any, meetings: int
) -> None:
    program = scaled(3)
    pair = Pair.objects.filter(program=program).select_related("a__member__user").first()
    assert pair is not None
    enrich(pair, meetings)
    client.force_login(pair.a.member.user, backend="gensidig.accounts.backends.EmailBackend")
    url = reverse("meetings:pair", kwargs={"org": program.organisation.slug, "pair_id": pair.pk})
    client.get(url)  # the organisation last used is written to the session once
    with django_assert_num_queries(PAIR_PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert PAIR_PAGE_QUERIES < 15
    html = response.content.decode()
    assert html.count('class="list-item goal"') == 6
    assert html.count('class="list-item reflection"') == 2 * meetings
