"""The discoveries board: a fixed number of queries however many cards, the first cards of
each column with "show all", and the one-list layout paged (issue 17)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from gensidig.discoveries.models import Discovery, Stage, Vote
from gensidig.discoveries.queries import STAGE_ORDER
from gensidig.discoveries.views import CARDS_PER_COLUMN

# Session, user, memberships, then the board: its cards and its columns' counts, the funnel
# (one query), the effect (two), the finders and the filter's topics.
BOARD_QUERIES = 10


def discoveries(organisation: Any, finder: Any, n: int) -> None:
    made = Discovery.objects.bulk_create(
        [
            Discovery(
                organisation=organisation,
                title=f"Værktøj {i:04d}",
                kind="tool",
                smarter_work="Sparer tid",
                found_by=finder,
                stage=STAGE_ORDER[i % len(STAGE_ORDER)],
            )
            for i in range(n)
        ]
    )
    Vote.objects.bulk_create([Vote(discovery=d, member=finder) for d in made[::3]])


@pytest.mark.parametrize("cards", [5, 50, 400])
def test_board_queries_do_not_grow_with_cards(
    login: Any, admin: Any, young: Any, django_assert_num_queries: Any, cards: int
) -> None:
    discoveries(young.organisation, young, cards)
    client = login(admin)
    url = reverse("discoveries:board", kwargs={"org": young.organisation.slug})
    client.get(url)
    with django_assert_num_queries(BOARD_QUERIES):
        html = client.get(url).content.decode()
    assert html.count('class="discovery-card card"') == min(
        cards, CARDS_PER_COLUMN * len(STAGE_ORDER)
    )
    with django_assert_num_queries(BOARD_QUERIES):
        listed = client.get(url, {"layout": "list"}).content.decode()
    assert listed.count('class="discovery-card card"') == min(cards, 50)


def test_board_column_shows_first_cards_and_links_to_all(
    login: Any, admin: Any, young: Any
) -> None:
    discoveries(young.organisation, young, 5 * (CARDS_PER_COLUMN + 3))
    client = login(admin)
    url = reverse("discoveries:board", kwargs={"org": young.organisation.slug})
    html = client.get(url).content.decode()
    assert (
        html.count(f"Vis alle {CARDS_PER_COLUMN + 3}") == 5
        or html.count(f"Show all {CARDS_PER_COLUMN + 3}") == 5
    )
    spotted = client.get(url, {"layout": "list", "stage": Stage.SPOTTED}).content.decode()
    assert spotted.count('class="discovery-card card"') == CARDS_PER_COLUMN + 3
    assert spotted.count("stage-trying") == 0
