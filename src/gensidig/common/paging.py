"""One way to page, search and filter a list that grows with the organisation.

A list page renders its first page of rows on the server; the pager's links and the filter
form are plain links and a GET form (they work without JavaScript), and with htmx they
fetch only the list's partial (`<template>#<partial>`) and swap it in place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, Subquery
from django.http import HttpRequest

from gensidig.common.sql import InArray

PER_PAGE = 50


def page_of(
    request: HttpRequest,
    items: Sequence[Any] | Any,
    *,
    per_page: int = PER_PAGE,
    count: int | None = None,
) -> Page:
    """The requested page of `items` (a queryset or a list); a page number out of range
    gives the last page, anything else the first. `count`, when the caller knows it
    already, saves the paginator its own COUNT query."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.__dict__["count"] = count  # the cached_property, filled in advance
    return paginator.get_page(request.GET.get("page"))


def page_of_rows(
    request: HttpRequest, rows: QuerySet[Any], *, per_page: int = PER_PAGE, count: int | None = None
) -> Page:
    """`page_of` for rows that are costly to build (joins, a subquery per row): the database
    sorts and slices the ids alone, and builds only the page's rows, in the same query
    (`pk = ANY(ARRAY(the page's ids))`). Sorting the members list's full rows built all
    10,000 (their manager and latest invitation too) to show 50: 104 ms, now a few."""
    page = page_of(request, rows.values_list("pk", flat=True), per_page=per_page, count=count)
    if page.paginator.count == 0:
        # No row at all: an empty slice compiles to "IN NULL", which no database reads.
        page.object_list = []
        return page
    ids = Subquery(page.object_list)  # type: ignore[arg-type]
    page.object_list = list(rows.filter(InArray("pk", ids)))
    return page


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string without the page number, for the pager."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def wants_partial(request: HttpRequest, target: str) -> bool:
    """An htmx request that will swap the list with the id `target`: it gets only the list."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and htmx.target == target  # type: ignore[union-attr]
