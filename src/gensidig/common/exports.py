"""CSV exports that Danish Excel opens as they are (semicolons, UTF-8 with a byte-order
mark) and in which no cell can run as a formula: every export goes through `excel_csv`.
Numbers are written in the export's (the active) language, so a Danish file has "34,5"
where Excel in Danish reads a number; headers must differ (Excel's tables and filters need
that), which `excel_csv` checks."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse

from gensidig.common.numbers import format_number


def safe_cell(value: object) -> str:
    """A cell for a CSV export that no spreadsheet will run as a formula; a number in the
    active language's style (a number cannot run, so a negative one keeps its minus)."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return format_number(value)
    text = "" if value is None else str(value)
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text


def excel_csv(
    *, filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]
) -> HttpResponse:
    titles = [safe_cell(cell) for cell in header]
    seen = [title.casefold() for title in titles]
    if len(set(seen)) != len(seen):
        raise ValueError(f"two columns of {filename} share a header: {titles}")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(titles)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return response
