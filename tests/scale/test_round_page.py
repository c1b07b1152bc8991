"""The matching round's page: one topic query per page of proposals, the catalogue's names in
the reasons, search and the swap page for large rounds (issue 17)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from gensidig.matching import queries
from gensidig.matching.models import Proposal


def test_explained_page_one_topic_query_and_names_in_reasons(
    scaled: Any, django_assert_num_queries: Any
) -> None:
    program = scaled(30)
    proposals = list(queries.current_proposals(program))
    with django_assert_num_queries(1):
        rows = queries.explained_page(proposals, program, "en")
    first = rows[0][1]
    assert first["a_to_b"] == ["TikTok", "AI tools"]
    assert first["b_to_a"] == ["Company history"]
    assert first["reasons"] == "Can teach TikTok and AI tools; learns about Company history."
    # The same as the one-at-a-time explanation.
    assert first == queries.explained(rows[0][0], "en")


def test_explained_replaces_whole_words_only(scaled: Any) -> None:
    program = scaled(1)
    proposal = Proposal.objects.get(program=program)
    proposal.reasons_da = "ai-tools og ai, men ikke tiktoks eller nyai"
    assert (
        queries.explained(proposal, "da")["reasons"]
        == "ai-tools og AI-værktøjer, men ikke tiktoks eller nyai"
    )


def test_round_page_search_finds_a_partner(login: Any, admin: Any, scaled: Any) -> None:
    program = scaled(60)
    url = reverse(
        "matching:rounds", kwargs={"org": program.organisation.slug, "program_id": program.pk}
    )
    html = login(admin).get(url, {"q": "Person 00007"}).content.decode()
    assert html.count('class="proposal card"') == 1
    assert "Person 00007" in html


def test_swap_page_for_a_large_round_narrows_by_search(login: Any, admin: Any, scaled: Any) -> None:
    program = scaled(80)
    org = program.organisation.slug
    client = login(admin)
    rounds = client.get(
        reverse("matching:rounds", kwargs={"org": org, "program_id": program.pk})
    ).content.decode()
    swap_url = reverse("matching:swap", kwargs={"org": org, "program_id": program.pk})
    assert f'href="{swap_url}"' in rounds
    assert 'name="first"' not in rounds
    page = client.get(swap_url, {"q": "Person 00008"}).content.decode()
    # The one matching draft pair (Person 00008 + Person 00009), in each of the two selects.
    assert len(re.findall(r'<option value="\d+"', page)) == 2
    assert page.count("Person 00008 + Person 00009") == 2


def test_round_page_unmatched_list_is_paged(
    login: Any, admin: Any, scaled: Any, django_assert_num_queries: Any
) -> None:
    from gensidig.common.paging import PER_PAGE
    from gensidig.matching.models import Round
    from gensidig.programs.models import Enrolment

    program = scaled(PER_PAGE + 10)
    matching_round = Round.objects.get(program=program)
    ids = list(
        Enrolment.objects.filter(program=program).order_by("pk").values_list("pk", flat=True)
    )
    matching_round.unmatched = [{"enrolment": pk, "code": "outscored"} for pk in ids]
    matching_round.save()
    url = reverse(
        "matching:rounds", kwargs={"org": program.organisation.slug, "program_id": program.pk}
    )
    client = login(admin)
    html = client.get(url).content.decode()
    unmatched = html.split('id="unmatched-list"')[1].split("</ul>")[0]
    assert unmatched.count('class="list-item"') == PER_PAGE
    assert f'<span class="stat-value">{len(ids)}</span>' in html
    assert 'href="?unmatched=2"' in html
    # The last page by htmx: only the list, with the people of that page.
    last = client.get(
        url, {"unmatched": 3}, headers={"HX-Request": "true", "HX-Target": "unmatched-list"}
    ).content.decode()
    assert last.lstrip().startswith('<div id="unmatched-list"')
    assert last.count('class="list-item"') == len(ids) - 2 * PER_PAGE
    assert "Person 00119" in last
