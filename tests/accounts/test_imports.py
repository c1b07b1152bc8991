from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gensidig.accounts.imports import BACKGROUND_ROWS, safe_cell
from gensidig.accounts.models import ImportJob, Member, Side

pytestmark = pytest.mark.django_db

HEADING = "name,email,department,manager email,side,generation,languages\n"


def upload(client: Any, content: bytes, filename: str = "people.csv", **extra: Any) -> Any:
    url = reverse("accounts:import_members", kwargs={"org": "fjordlys-test"})
    return client.post(url, {"file": SimpleUploadedFile(filename, content)}, **extra)


def problems(response: Any) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in response.context["problems"]]


def test_import_csv_creates_people_with_managers_in_any_order(login: Any, admin: Any) -> None:
    content = (
        HEADING
        + "Ida Ung,ida@example.org,Marketing,bo@example.org,young,1995-2009,da en\n"
        + "Bo Boss,bo@example.org,Marketing,,experienced,1965-1979,da\n"
    ).encode()
    response = upload(login(admin), content)
    assert response.url == reverse("accounts:members", kwargs={"org": "fjordlys-test"})
    ida = Member.objects.get(user__email="ida@example.org")
    assert (ida.user.name, ida.department, ida.side, ida.generation) == (
        "Ida Ung",
        "Marketing",
        Side.YOUNG,
        "1995-2009",
    )
    assert ida.languages == ["da", "en"]
    assert ida.manager is not None and ida.manager.user.email == "bo@example.org"
    assert ida.user.has_usable_password() is False


def test_import_danish_excel_csv_with_semicolons_and_bom(login: Any, admin: Any) -> None:
    content = (
        "Navn;E-mail;Afdeling;Leder;Rolle i parret;Generation;Sprog\r\n"
        "Søren Ærø;soeren@example.org;Lager og logistik;admin@example.org;erfaren;1965-1979;da\r\n"
    ).encode("utf-8-sig")
    upload(login(admin), content)
    soeren = Member.objects.get(user__email="soeren@example.org")
    assert soeren.user.name == "Søren Ærø"
    assert soeren.side == Side.EXPERIENCED
    assert soeren.manager == admin


def test_import_xlsx(login: Any, admin: Any) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Navn", "E-mail", "Afdeling", "Rolle i parret"])
    sheet.append(["Karla Lund", "karla@example.org", "IT", "ung"])
    data = io.BytesIO()
    workbook.save(data)
    upload(login(admin), data.getvalue(), "people.xlsx")
    assert Member.objects.get(user__email="karla@example.org").side == Side.YOUNG


def test_import_again_updates_instead_of_duplicating(login: Any, admin: Any) -> None:
    client = login(admin)
    upload(client, (HEADING + "Ida Ung,ida@example.org,Marketing,,young,,\n").encode())
    upload(client, (HEADING + "Ida Nørgaard,ida@example.org,Salg,,young,,\n").encode())
    ida = Member.objects.get(user__email="ida@example.org")
    assert (ida.user.name, ida.department) == ("Ida Nørgaard", "Salg")
    assert Member.objects.filter(organisation=admin.organisation).count() == 2


def test_import_bad_rows_save_nothing_and_list_every_problem(login: Any, admin: Any) -> None:
    content = (
        HEADING
        + ",nameless@example.org,Salg,,young,,\n"  # row 2: empty name
        + "Dobbelt,ida@example.org,Salg,,young,,\n"  # row 3
        + "Dobbelt Igen,ida@example.org,Salg,,young,,\n"  # row 4: duplicate email
        + "Ukendt Side,side@example.org,Salg,,mellem,,\n"  # row 5: unknown side
        + "Ukendt Leder,leder@example.org,Salg,ghost@example.org,young,,\n"  # row 6
        + "A,a@example.org,Salg,b@example.org,young,,\n"  # rows 7-8: a cycle
        + "B,b@example.org,Salg,a@example.org,experienced,,\n"
        + "Forkert,forkert@example.org,Salg,,young,1995,\n"  # row 9: bad band
    ).encode()
    response = upload(login(admin), content, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert problems(response) == [
        (2, "name", "The name is empty."),
        (4, "email", "The email address is also in row 3."),
        (5, "side", "Unknown side “mellem”: write young or experienced (ung or erfaren)."),
        (
            6,
            "manager email",
            "The manager “ghost@example.org” is neither in the file nor a member.",
        ),
        (
            7,
            "manager email",
            "The reporting lines go round in a circle: "
            "a@example.org → b@example.org → a@example.org.",
        ),
        (9, "generation band", "“1995” is not a generation band such as 1995-2009."),
    ]
    assert Member.objects.filter(organisation=admin.organisation).count() == 1
    assert "Nothing was saved: 6 problems to fix" in response.content.decode()


def test_import_problems_are_translated(login: Any, admin: Any) -> None:
    response = upload(
        login(admin), (HEADING + ",x@example.org,,,,,\n").encode(), HTTP_ACCEPT_LANGUAGE="da"
    )
    assert problems(response) == [(2, "navn", "Navnet er tomt.")]


def test_import_missing_email_column_is_reported_on_heading_row(login: Any, admin: Any) -> None:
    response = upload(login(admin), b"name,department\nIda,Salg\n", HTTP_ACCEPT_LANGUAGE="en")
    assert problems(response) == [(1, "email", "The file has no column for this.")]


def test_import_unreadable_xlsx_is_a_clear_error(login: Any, admin: Any) -> None:
    response = upload(login(admin), b"not a zip", "people.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    assert problems(response) == [(0, "", "The Excel file could not be read.")]


def test_import_large_file_runs_in_background_with_progress_page(
    login: Any, admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = "".join(
        f"Person {n},p{n}@example.org,Salg,,young,1995-2009,da\n"
        for n in range(BACKGROUND_ROWS + 1)
    )
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, (HEADING + rows).encode())
    job = ImportJob.objects.get()
    assert response.url == reverse(
        "accounts:import_job", kwargs={"org": "fjordlys-test", "job_id": job.pk}
    )
    assert (job.status, job.created_count, job.processed, job.total) == (
        "done",
        BACKGROUND_ROWS + 1,
        501,
        501,
    )
    assert job.data is None  # the file is not kept after the import
    assert Member.objects.filter(organisation=admin.organisation).count() == BACKGROUND_ROWS + 2
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The import is done: 501 new and 0 updated." in page
    partial = client.get(
        response.url, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert partial.lstrip().startswith('<section id="import-progress"')
    assert "<html" not in partial


def test_import_large_file_with_problems_saves_nothing(
    login: Any, admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = "".join(f"Person {n},p{n}@example.org,Salg,,young,,\n" for n in range(BACKGROUND_ROWS))
    rows += "Bad,p1@example.org,Salg,,young,,\n"
    with django_capture_on_commit_callbacks(execute=True):
        upload(login(admin), (HEADING + rows).encode())
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert job.problems[0]["row"] == BACKGROUND_ROWS + 2
    assert Member.objects.filter(organisation=admin.organisation).count() == 1
    page = login(admin).get(
        reverse("accounts:import_job", kwargs={"org": "fjordlys-test", "job_id": job.pk}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert f"<td>{BACKGROUND_ROWS + 2}</td>" in page.content.decode()
    assert "Nothing was saved" in page.content.decode()


def people_file(count: int, *, first: int = 0, department: str = "Salg") -> bytes:
    """`count` people, each after the first reporting to the one before."""
    rows = [
        f"Person {n},p{n}@example.org,{department},"
        f"{f'p{n - 1}@example.org' if n > first else ''},young,1995-2009,da\n"
        for n in range(first, first + count)
    ]
    return (HEADING + "".join(rows)).encode()


def queries_of(action: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def test_import_query_count_does_not_grow_with_rows(login: Any, admin: Any) -> None:
    client = login(admin)
    upload(client, people_file(1, first=1000))  # the session is saved on the first request
    few = queries_of(lambda: upload(client, people_file(5)))
    many = queries_of(lambda: upload(client, people_file(200, first=100)))
    assert Member.objects.filter(organisation=admin.organisation).count() == 207
    assert few == many
    # Importing the same people again, changed, updates them in as many queries.
    few_again = queries_of(lambda: upload(client, people_file(5, department="IT")))
    many_again = queries_of(lambda: upload(client, people_file(200, first=100, department="IT")))
    assert few_again == many_again
    last = Member.objects.get(user__email="p299@example.org")
    assert (last.department, last.manager.user.email) == ("IT", "p298@example.org")


def test_import_large_file_in_background_query_count_does_not_grow_with_rows(
    login: Any, admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(admin)
    upload(client, people_file(1, first=100_000))  # the session is saved on the first request

    def in_background(count: int, first: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            upload(client, people_file(count, first=first))

    smaller = queries_of(lambda: in_background(BACKGROUND_ROWS + 1, 0))
    larger = queries_of(lambda: in_background(2 * BACKGROUND_ROWS, 10_000))
    assert smaller == larger
    assert set(ImportJob.objects.values_list("status", "created_count")) == {
        ("done", BACKGROUND_ROWS + 1),
        ("done", 2 * BACKGROUND_ROWS),
    }


def test_import_person_invited_to_a_program_by_email_gets_their_place(
    login: Any, admin: Any
) -> None:
    from gensidig.programs import actions as program_actions
    from gensidig.programs.models import Enrolment
    from tests.factories import ProgramFactory

    program = ProgramFactory(organisation=admin.organisation, state="enrolling")
    program_actions.invite_person_to_program(
        program=program, email="Karla@Example.org", invited_by=admin, side="young"
    )
    upload(login(admin), (HEADING + "Karla Ny,karla@example.org,Salg,,young,,\n").encode())
    karla = Member.objects.get(user__email="karla@example.org")
    enrolment = Enrolment.objects.get(program=program)
    assert (enrolment.member, enrolment.invited_email) == (karla, "")


def test_import_page_participant_is_forbidden(login: Any, young: Any) -> None:
    url = reverse("accounts:import_members", kwargs={"org": "fjordlys-test"})
    assert login(young).get(url).status_code == 403


def test_export_members_is_formula_safe_excel_csv(login: Any, admin: Any, young: Any) -> None:
    young.user.name = '=HYPERLINK("http://evil.example")'
    young.user.save()
    response = login(admin).get(reverse("accounts:export_members", kwargs={"org": "fjordlys-test"}))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example")' in names
    assert rows[0][:2] == ["Navn", "E-mailadresse"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+45 1234", "'+45 1234"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Ida", "Ida"),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_cell_neutralises_formulas(value: object, expected: str) -> None:
    assert safe_cell(value) == expected
