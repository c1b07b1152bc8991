"""Every list page that grows with the organisation costs the same number of queries with 5
rows, 50 rows and a large organisation, and shows one page of rows (issue 17)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from gensidig.common.paging import PER_PAGE

LARGE = 300  # couples: 600 members, 300 proposals, 300 pairs, 750 meetings


def members_url(program: Any) -> str:
    return reverse("accounts:members", kwargs={"org": program.organisation.slug})


def round_url(program: Any) -> str:
    return reverse(
        "matching:rounds", kwargs={"org": program.organisation.slug, "program_id": program.pk}
    )


def pairs_url(program: Any) -> str:
    return reverse(
        "meetings:program_pairs",
        kwargs={"org": program.organisation.slug, "program_id": program.pk},
    )


def enrolments_url(program: Any) -> str:
    return reverse(
        "programs:enrolments",
        kwargs={"org": program.organisation.slug, "program_id": program.pk},
    )


# page: (url, how a row starts in the HTML, queries, the list's id for htmx)
# The queries of a request after the first (which writes the organisation last used and the
# two-factor gate's answer into the session): session, user, the memberships (the member and
# the menu's other organisations, one query) and the page's own reads.
PAGES = {
    "members": (members_url, '<tr>\n      <td><a href="/o/', 7, "member-list"),
    "round": (round_url, 'class="proposal card"', 12, "proposal-list"),
    "pairs": (pairs_url, 'class="pair-row', 7, "pair-list"),
    "enrolments": (enrolments_url, 'class="enrolment-row"', 9, "enrolment-list"),
}


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_list_page_queries_do_not_grow_with_rows(
    login: Any, admin: Any, scaled: Any, django_assert_num_queries: Any, page: str, rows: int
) -> None:
    url, marker, queries, _target = PAGES[page]
    program = scaled(rows)
    client = login(admin)
    client.get(url(program))  # the first request after login writes the session
    with django_assert_num_queries(queries):
        response = client.get(url(program))
    assert response.status_code == 200
    assert response.content.decode().count(marker) >= rows


@pytest.mark.parametrize("page", sorted(PAGES))
def test_list_page_large_organisation_same_queries_one_page(
    login: Any, admin: Any, scaled: Any, django_assert_num_queries: Any, page: str
) -> None:
    url, marker, queries, _target = PAGES[page]
    if page == "round":
        queries -= 2  # beyond SWAP_INLINE drafts the swap form (two selects) has its own page
    program = scaled(LARGE)
    client = login(admin)
    client.get(url(program))  # the first request after login writes the session
    with django_assert_num_queries(queries):
        response = client.get(url(program))
    html = response.content.decode()
    assert html.count(marker) == PER_PAGE
    assert 'rel="next"' in html
    # The last page, by the pager's plain link (no JavaScript needed).
    last = client.get(url(program), {"page": 999})
    assert 0 < last.content.decode().count(marker) <= PER_PAGE
    assert 'rel="prev"' in last.content.decode()


@pytest.mark.parametrize("page", sorted(PAGES))
def test_list_page_htmx_gets_only_the_list(login: Any, admin: Any, scaled: Any, page: str) -> None:
    url, marker, _queries, target = PAGES[page]
    program = scaled(60)
    client = login(admin)
    response = client.get(
        url(program), {"page": 2}, headers={"HX-Request": "true", "HX-Target": target}
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="{target}"')
    assert "<html" not in html
    assert html.count(marker) > 0


def test_page_of_rows_same_page_as_page_of(rf: Any, scaled: Any, admin: Any) -> None:
    """The members list pages over ids and builds only the page's rows (issue 17): the same
    rows, in the same order, as paging the full rows."""
    from gensidig.accounts.queries import find_members
    from gensidig.common.paging import page_of, page_of_rows

    program = scaled(60)
    rows = find_members(program.organisation)
    for number in ("1", "2", "3"):
        request = rf.get("/", {"page": number})
        full, narrow = page_of(request, rows), page_of_rows(request, rows)
        assert [m.pk for m in narrow.object_list] == [m.pk for m in full.object_list]
        assert [m.last_invited_at for m in narrow.object_list] == [  # type: ignore[attr-defined]
            m.last_invited_at  # type: ignore[attr-defined]
            for m in full.object_list
        ]
        assert narrow.paginator.count == full.paginator.count == 121


def test_members_search_without_a_hit_shows_an_empty_page(login: Any, admin: Any) -> None:
    # The page's ids are a subquery; with no row at all it compiled to "IN NULL", a 500.
    from django.urls import reverse

    url = reverse("accounts:members", kwargs={"org": admin.organisation.slug})
    response = login(admin).get(url, {"q": "nobody-by-this-name"})
    assert response.status_code == 200


def test_page_of_rows_empty_page_reads_nothing(rf: Any, scaled: Any) -> None:
    """A search that finds nobody: the page's rows are an empty list, not an SQL error (an
    empty subquery made `IN NULL`)."""
    from gensidig.accounts.queries import find_members
    from gensidig.common.paging import page_of_rows

    program = scaled(2)
    page = page_of_rows(rf.get("/"), find_members(program.organisation, search="²"))
    assert page.object_list == [] and page.paginator.count == 0
