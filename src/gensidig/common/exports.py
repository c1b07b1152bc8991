"""CSV exports that Danish Excel opens as they are (semicolons, UTF-8 with a byte-order
mark) and in which no cell can run as a formula: every export goes through `excel_csv`."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpResponse


def safe_cell(value: object) -> str:
    """A cell for a CSV export that no spreadsheet will run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text


def excel_csv(
    *, filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return response
