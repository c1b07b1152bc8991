"""Uploads are bounded: rows and columns are limited while reading, problems are listed up to
a limit with a count of the rest, and no sheet or a huge sheet gets a clear message
(issue 14, item 9 and issue 15)."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gensidig.accounts import imports
from gensidig.accounts.models import ImportJob, Member
from gensidig.accounts.tasks import run_import

pytestmark = pytest.mark.django_db

HEADING = "name,email,department,manager email,side,generation,languages\n"


def upload(client: Any, content: bytes, filename: str = "people.csv") -> Any:
    url = reverse("accounts:import_members", kwargs={"org": "fjordlys-test"})
    return client.post(url, {"file": SimpleUploadedFile(filename, content)})


def xlsx_rewritten(change: Any) -> bytes:
    """A one-sheet workbook (heading only) whose parts `change(name, data)` may rewrite."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    workbook.create_sheet().append(["name", "email"])
    saved = io.BytesIO()
    workbook.save(saved)
    source = zipfile.ZipFile(io.BytesIO(saved.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out.getvalue()


def with_rows(rows: int, tail: bytes = b"") -> Any:
    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        head, end = data.split(b"</sheetData>")
        body = b"".join(
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>P%d</t></is></c>'
            b'<c r="B%d" t="inlineStr"><is><t>p%d@example.org</t></is></c></row>' % (n, n, n, n, n)
            for n in range(2, rows + 2)
        )
        return head + body + tail + b"</sheetData>" + end

    return change


def test_row_cap_is_fifty_thousand() -> None:
    assert imports.MAX_ROWS == 50_000
    assert imports.MAX_PROBLEMS == 100


def test_xlsx_past_the_row_cap_is_refused_without_reading_the_rest(
    monkeypatch: Any,
) -> None:
    # The small equivalent of a 592 KB file of two million rows: past the cap comes XML
    # that cannot be parsed, so the refusal shows that reading stopped at the cap.
    monkeypatch.setattr(imports, "MAX_ROWS", 100)
    data = xlsx_rewritten(with_rows(20_000, tail=b"<row r='x'><c><<<not xml"))
    with pytest.raises(imports.UnreadableFile, match="mere end 100 rækker"):
        imports.read_rows(data, "huge.xlsx")


def test_xlsx_under_the_cap_reads_every_row(monkeypatch: Any) -> None:
    monkeypatch.setattr(imports, "MAX_ROWS", 100)
    rows = imports.read_rows(xlsx_rewritten(with_rows(100)), "people.xlsx")
    assert len(rows) == 100
    assert rows[-1] == {"name": "P101", "email": "p101@example.org"}


def test_xlsx_with_far_away_empty_rows_stops_reading(login: Any, admin: Any) -> None:
    # One person, then a formatted row two million rows further down.
    data = xlsx_rewritten(with_rows(1, tail=b'<row r="2000000"><c r="A2000000"/></row>'))
    assert imports.read_rows(data, "people.xlsx") == [{"name": "P2", "email": "p2@example.org"}]


def test_xlsx_with_no_sheet_gets_a_clear_error(login: Any, admin: Any) -> None:
    def no_sheets(name: str, data: bytes) -> bytes:
        return (
            re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data) if "workbook.xml" in name else data
        )

    response = upload(login(admin), xlsx_rewritten(no_sheets), "people.xlsx")
    assert response.status_code == 400
    assert "Excel-filen har intet ark med rækker" in response.content.decode()


def test_xlsx_with_too_many_columns_is_refused() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([f"col{n}" for n in range(imports.MAX_COLUMNS + 5)])
    saved = io.BytesIO()
    workbook.save(saved)
    with pytest.raises(imports.UnreadableFile, match="mere end 50 kolonner"):
        imports.read_rows(saved.getvalue(), "wide.xlsx")


def test_xlsx_shared_strings_and_numbers_are_read(login: Any, admin: Any) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name", "email", "generation", "count"])
    sheet.append(["Åse Ærø", "aase@example.org", "1995-2009", 3])
    saved = io.BytesIO()
    workbook.save(saved)
    assert imports.read_rows(saved.getvalue(), "people.xlsx") == [
        {"name": "Åse Ærø", "email": "aase@example.org", "generation": "1995-2009", "count": "3"}
    ]


def test_csv_of_200000_bad_rows_gives_a_short_clear_page(login: Any, admin: Any) -> None:
    data = (HEADING + "x,not-an-email,,,,,\n" * 200_000).encode()
    response = upload(login(admin), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Filen har mere end 50.000 rækker med personer" in html
    assert len(html) < 20_000
    assert Member.objects.count() == 1


def test_problem_page_lists_the_first_hundred_and_counts_the_rest(login: Any, admin: Any) -> None:
    # 450 rows (under the background limit), each with two problems: 900 in all.
    rows = "".join(f"Person {n},bad-{n},,,nobody,,\n" for n in range(450))
    response = upload(login(admin), (HEADING + rows).encode())
    html = response.content.decode()
    assert response.status_code == 400
    assert "Intet er gemt: 900 problemer skal rettes" in html
    assert html.count("<tr><td>") == imports.MAX_PROBLEMS
    assert "… og 800 problemer mere, som ikke er vist." in html
    # The first rows are listed, each naming the person.
    assert "<tr><td>2</td><td>Person 0</td>" in html
    assert "Person 449" not in html


def test_problem_names_the_person_by_email_when_the_name_is_missing(login: Any, admin: Any) -> None:
    response = upload(login(admin), (HEADING + ",nina@example.org,,,,,\n").encode())
    assert "<tr><td>2</td><td>nina@example.org</td>" in response.content.decode()


def test_import_job_keeps_only_the_first_problems_and_the_count(login: Any, admin: Any) -> None:
    rows = "".join(f"Person {n},bad-{n},,,,,\n" for n in range(1_200))
    job = ImportJob.objects.create(
        organisation=admin.organisation,
        created_by=admin,
        filename="people.csv",
        data=(HEADING + rows).encode(),
    )
    run_import.call(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.problem_count, len(job.problems)) == ("failed", 1_200, 100)
    assert job.problems[0] == {
        "row": 2,
        "column": "e-mail",
        "message": "“bad-0” er ikke en e-mailadresse.",
        "person": "Person 0",
    }
    page = login(admin).get(
        reverse("accounts:import_job", kwargs={"org": "fjordlys-test", "job_id": job.pk})
    )
    assert "… og 1100 problemer mere, som ikke er vist." in page.content.decode()
