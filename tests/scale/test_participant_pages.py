"""A participant's overview, program page and a discovery read a fixed number of queries
however large the organisation, and the overview finds the person's pair whichever side of
it they are (issue 17: the pair was found by an OR across two joins, which scanned every pair
and enrolment)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from gensidig.discoveries.models import Discovery
from gensidig.matching.models import Pair
from gensidig.meetings.queries import pairs_with

# session, user, memberships (the member and the menu, one query), then the page's own.
OVERVIEW_QUERIES = 7  # + programs, open pulses, pairs, their meetings
PROGRAM_QUERIES = 7
DISCOVERY_QUERIES = 8


def participant_urls(program: Any, discovery: Discovery) -> dict[str, tuple[str, int]]:
    org = program.organisation.slug
    return {
        "overview": (reverse("common:dashboard", kwargs={"org": org}), OVERVIEW_QUERIES),
        "program": (
            reverse("programs:detail", kwargs={"org": org, "program_id": program.pk}),
            PROGRAM_QUERIES,
        ),
        "discovery": (
            reverse("discoveries:detail", kwargs={"org": org, "discovery_id": discovery.pk}),
            DISCOVERY_QUERIES,
        ),
    }


@pytest.mark.parametrize("couples", [3, 60])
@pytest.mark.parametrize("page", ["overview", "program", "discovery"])
def test_participant_page_queries_do_not_grow_with_organisation(
    client: Any, scaled: Any, django_assert_num_queries: Any, page: str, couples: int
) -> None:
    program = scaled(couples)
    pair = Pair.objects.filter(program=program).select_related("b__member__user").last()
    assert pair is not None
    person = pair.b.member
    discovery = Discovery.objects.create(
        organisation=program.organisation, title="Værktøj", kind="tool", found_by=person
    )
    url, queries = participant_urls(program, discovery)[page]
    client.force_login(person.user, backend="gensidig.accounts.backends.EmailBackend")
    client.get(url)  # the first request writes the organisation last used to the session
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200


def test_pairs_with_finds_pairs_on_either_side_only(scaled: Any) -> None:
    program = scaled(4)
    first, second = Pair.objects.filter(program=program).order_by("pk")[:2]
    assert list(pairs_with(first.a.member)) == [first]  # type: ignore[union-attr]
    assert list(pairs_with(second.b.member)) == [second]  # type: ignore[union-attr]
    assert list(pairs_with(first.a.member).filter(pk=second.pk)) == []  # type: ignore[union-attr]
