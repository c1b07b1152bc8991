"""A program's insights: the dashboard's own figures (`insights.queries.dashboard`), with
the same withholding of small groups. A withheld figure is `null` with a reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema

from gensidig.api.core import READ_ERRORS, caller, not_found
from gensidig.api.endpoints.programs import program_of
from gensidig.insights import queries

router = Router(tags=["insights"])

Value = int | float | str | dict[str, int | float | None] | None


class RowOut(Schema):
    label: str
    value: Value
    people: int | None
    withheld: bool
    withheld_reason: str | None


class TableOut(Schema):
    key: str
    title: str
    unit: str
    withheld: bool
    rows: list[RowOut]
    total: RowOut | None


class SeriesOut(Schema):
    key: str
    title: str
    columns: list[str]
    points: list[TableOut]


class ComparisonOut(Schema):
    program: str
    current: bool
    pairs: int | None
    balance: float | None
    nps: int | None


class InsightsOut(Schema):
    program_id: int
    min_group: int
    tables: list[TableOut]
    figures: dict[str, RowOut]
    series: SeriesOut | None
    comparison: list[ComparisonOut]


def plain(value: Any) -> Value:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}  # type: ignore[misc]
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def reason(threshold: int) -> str:
    return gettext(
        "Withheld: fewer than %(n)s people stand behind this figure, or showing it would "
        "give such a group away."
    ) % {"n": threshold}


def row_out(row: queries.Row, threshold: int) -> dict[str, Any]:
    return {
        "label": str(row.label),
        "value": plain(row.value) if row.shown else None,
        "people": row.people if row.shown else None,
        "withheld": not row.shown,
        "withheld_reason": None if row.shown else reason(threshold),
    }


def table_out(table: queries.Table, threshold: int) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": str(table.title),
        "unit": str(table.unit),
        "withheld": table.withheld,
        "rows": [row_out(row, threshold) for row in table.rows],
        "total": row_out(table.total, threshold) if table.total is not None else None,
    }


@router.get(
    "/programs/{program_id}/insights",
    response={200: InsightsOut, **READ_ERRORS},
    url_name="insights",
)
def get_insights(request: HttpRequest, program_id: int) -> Any:
    member = caller(request)
    program = program_of(request, program_id)
    if not queries.may_see(member, program):
        raise not_found()
    # The dashboard page's own rules: the side-by-side comparison holds only the programs
    # the token's member may open.
    board = queries.dashboard(program, viewer=member)
    k = board.threshold
    series = board.series
    return {
        "program_id": program.pk,
        "min_group": k,
        "tables": [table_out(table, k) for table in board.tables],
        "figures": {name: row_out(row, k) for name, row in board.figures.items()},
        "series": (
            {
                "key": series.key,
                "title": str(series.title),
                "columns": [str(column) for column in series.columns],
                "points": [table_out(point, k) for point in series.points],
            }
            if series is not None
            else None
        ),
        "comparison": [
            {
                "program": row.name,
                "current": row.current,
                "pairs": row.pairs if row.shown else None,
                "balance": row.balance if row.shown else None,
                "nps": row.nps if row.nps_shown else None,
            }
            for row in board.comparison
        ],
    }
