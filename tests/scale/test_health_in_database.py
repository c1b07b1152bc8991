"""Pairs by health: the state computed in the database is the state `pair_health` gives from
each pair's meetings, at any moment; the order and the filter follow it (issue 17)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from gensidig.matching.models import Pair
from gensidig.meetings import queries
from gensidig.meetings.health import ORDER
from gensidig.meetings.models import Meeting


@pytest.mark.parametrize("days", [-30, 0, 5, 12, 20, 40, 90])
def test_program_pairs_health_in_database_matches_pair_health(scaled: Any, days: int) -> None:
    program = scaled(20)
    Pair.objects.filter(pk=Pair.objects.filter(program=program).first().pk).update(  # type: ignore[union-attr]
        ended_at=timezone.now()
    )
    now = timezone.now() + timedelta(days=days)
    rows = list(queries.program_pairs(program, now))
    expected = {
        pair.pk: queries.status_of(pair, now).health.state
        for pair in Pair.objects.filter(program=program).select_related("program")
    }
    assert {pair.pk: pair.health for pair in rows} == expected  # type: ignore[attr-defined]
    ranks = [ORDER.index(pair.health) for pair in rows]  # type: ignore[attr-defined]
    assert ranks == sorted(ranks)
    assert sum(queries.health_counts(program, now).values()) == len(rows)
    for row in queries.pair_rows(rows, now):
        assert row.health.state == expected[row.pair.pk]


def test_program_pairs_filter_by_health_lists_only_that_state(
    login: Any, admin: Any, scaled: Any
) -> None:
    program = scaled(10)
    Meeting.objects.filter(pair__program=program, status=Meeting.Status.PROPOSED).delete()
    url = reverse(
        "meetings:program_pairs",
        kwargs={"org": program.organisation.slug, "program_id": program.pk},
    )
    html = login(admin).get(url, {"health": "stalled"}).content.decode()
    assert html.count('class="pair-row health-stalled"') == 10
    assert html.count('class="pair-row') == 10


def test_program_pairs_row_actions_are_fetched_not_rendered_per_row(
    login: Any, admin: Any, scaled: Any
) -> None:
    """The old page rendered a message form and an end form in every row."""
    program = scaled(20)
    org = program.organisation.slug
    client = login(admin)
    url = reverse("meetings:program_pairs", kwargs={"org": org, "program_id": program.pk})
    html = client.get(url).content.decode()
    assert "<textarea" not in html
    assert html.count('id="id_message"') == 0
    pair = Pair.objects.filter(program=program).first()
    assert pair is not None
    write = reverse(
        "meetings:check_in", kwargs={"org": org, "program_id": program.pk, "pair_id": pair.pk}
    )
    end = reverse(
        "meetings:end_form", kwargs={"org": org, "program_id": program.pk, "pair_id": pair.pk}
    )
    # Without JavaScript: a page with the form.
    page = client.get(write).content.decode()
    assert "<html" in page and f'id="id_pair{pair.pk}_message"' in page
    # With htmx: only the form, with ids unique to the row.
    target = {"HX-Request": "true", "HX-Target": f"actions-{pair.pk}"}
    fragment = client.get(end, headers=target).content.decode()
    assert "<html" not in fragment
    assert f'id="id_pair{pair.pk}_reason"' in fragment
    assert reverse("meetings:end", kwargs={"org": org, "pair_id": pair.pk}) in fragment


@pytest.mark.parametrize("days", [0, 12, 40])
def test_ranked_pairs_same_order_and_states_as_program_pairs(scaled: Any, days: int) -> None:
    """The admin's page counts and pages from `ranked_pairs` (one aggregation of the
    meetings instead of two): the same pairs, states and order as `program_pairs`."""
    program = scaled(20)
    now = timezone.now() + timedelta(days=days)
    expected = [(pair.pk, pair.health) for pair in queries.program_pairs(program, now)]  # type: ignore[attr-defined]
    assert queries.ranked_pairs(program, now) == expected
    page = [pk for pk, _state in expected[3:9]]
    assert [pair.pk for pair in queries.pairs_by_ids(program, page, now)] == page
