"""Import people from a CSV or Excel file: all or nothing.

Reading and checking are separate from saving, so a file with any bad row saves nothing and
the page can list every problem by row and column. Re-importing the same file updates the
same people (matched by email) instead of adding them twice.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from secrets import token_hex
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gensidig.accounts.models import (
    Invitation,
    Member,
    Organisation,
    Role,
    SecurityEvent,
    Side,
    User,
)
from gensidig.accounts.security import log_security_event
from gensidig.common.exports import safe_cell

__all__ = ["safe_cell"]  # kept importable here for the callers that know it from imports

# A file larger than this is imported by a background task with its progress shown.
BACKGROUND_ROWS = 500
MAX_BYTES = 20 * 1024 * 1024
# Bounds checked while reading, before anything is parsed further: a small file can hold
# millions of rows (an .xlsx is compressed) and a page of millions of problems.
MAX_ROWS = 50_000
MAX_COLUMNS = 50
# An .xlsx unpacks to many times its size; more than this is refused before reading.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Rows read past the last person (empty, formatted rows of a spreadsheet) before giving up.
MAX_EMPTY_ROWS = 10_000
# The page and an import job list at most this many problems, with a count of the rest.
MAX_PROBLEMS = 100

# The columns, and the headings (Danish and English, any case) that name them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "navn", "fulde navn", "full name"),
    "email": ("email", "e-mail", "e-mailadresse", "email address", "mail"),
    "department": ("department", "afdeling"),
    "manager_email": (
        "manager email",
        "manager",
        "leder",
        "leders e-mail",
        "leder e-mail",
        "nærmeste leder",
    ),
    "side": ("side", "rolle i parret", "role in pair"),
    "generation": ("generation", "generation band", "generationsbånd"),
    "languages": ("languages", "sprog"),
}
REQUIRED = ("name", "email")
COLUMN_LABELS = {
    "name": pgettext_lazy("import column", "name"),
    "email": pgettext_lazy("import column", "email"),
    "department": pgettext_lazy("import column", "department"),
    "manager_email": pgettext_lazy("import column", "manager email"),
    "side": pgettext_lazy("import column", "side"),
    "generation": pgettext_lazy("import column", "generation band"),
    "languages": pgettext_lazy("import column", "languages"),
}
SIDES = {
    "young": Side.YOUNG,
    "ung": Side.YOUNG,
    "junior": Side.YOUNG,
    "experienced": Side.EXPERIENCED,
    "erfaren": Side.EXPERIENCED,
    "senior": Side.EXPERIENCED,
}
# The bands the profile wizard offers; the import takes any years written the same way.
GENERATION_BANDS = ("1946-1964", "1965-1979", "1980-1994", "1995-2009", "2010-2024")
GENERATION = re.compile(r"^(19|20)\d\d-((19|20)\d\d)?$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class RowProblem:
    row: int  # as a spreadsheet shows it: the heading is row 1
    column: str
    message: str
    person: str = ""  # the name (or email) on the row, so the administrator knows who

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "person": self.person,
        }


class Problems(list[RowProblem]):
    """A file's problems, bounded: every problem is counted (`total`), only the first
    MAX_PROBLEMS by row are kept, so 200,000 bad rows make a short page and a small job row."""

    def __init__(self, items: Iterable[RowProblem] = ()) -> None:
        super().__init__()
        self.total = 0
        for item in items:
            self.append(item)

    def append(self, problem: RowProblem) -> None:
        self.total += 1
        super().append(problem)
        if len(self) >= 4 * MAX_PROBLEMS:
            self.trim()

    def insert(self, index: Any, problem: RowProblem) -> None:
        self.total += 1
        super().insert(index, problem)

    def trim(self) -> Problems:
        """Keep the first MAX_PROBLEMS by row and column; returns itself."""
        self.sort(key=lambda p: (p.row, p.column))
        del self[MAX_PROBLEMS:]
        return self

    @property
    def more(self) -> int:
        """How many problems are not listed."""
        return max(0, self.total - len(self))


@dataclass(frozen=True)
class PersonRow:
    row: int
    name: str
    email: str
    department: str
    manager_email: str
    side: str
    generation: str
    languages: tuple[str, ...]


@dataclass
class CheckedFile:
    people: list[PersonRow] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.people)


class UnreadableFile(Exception):
    """The file is not a CSV or Excel file we can read; the message says why."""


def too_many_rows() -> UnreadableFile:
    return UnreadableFile(
        _(
            "The file has more than %(count)s rows of people. Split it into files of at most "
            "%(count)s rows and import them one after the other."
        )
        % {"count": number_format(MAX_ROWS, force_grouping=True)}
    )


def too_many_columns() -> UnreadableFile:
    return UnreadableFile(
        _("The file has more than %(count)s columns. Keep only the columns the import reads.")
        % {"count": MAX_COLUMNS}
    )


def read_rows(data: bytes, filename: str) -> list[dict[str, str]]:
    """The file's rows as dicts keyed by the original headings; at most MAX_ROWS rows and
    MAX_COLUMNS columns, checked while reading (a bigger file is refused, not read)."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile(_("The file is larger than 20 MB."))
    if filename.lower().endswith(".xlsx"):
        return read_xlsx(data)
    return read_csv(data)


def read_csv(data: bytes) -> list[dict[str, str]]:
    try:
        # utf-8-sig drops the byte-order mark that Excel writes before "UTF-8 CSV".
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Danish Excel saves CSV as Windows-1252.
        text = data.decode("cp1252", errors="strict")
    first_line = text.split("\n", 1)[0]
    # Danish Excel separates with semicolons (the comma is the decimal mark).
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    result: list[dict[str, str]] = []
    try:
        headings = next(reader, [])
        if len(headings) > MAX_COLUMNS:
            raise too_many_columns()
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # an empty line, or one of only separators
            if len(result) >= MAX_ROWS:
                raise too_many_rows()
            if len(cells) > MAX_COLUMNS:
                raise too_many_columns()
            result.append(row_dict(headings, cells))
    except csv.Error as error:
        raise UnreadableFile(
            _("The CSV file could not be read: %(error)s") % {"error": error}
        ) from error
    return result


def row_dict(headings: list[str], cells: list[str]) -> dict[str, str]:
    """A row keyed by heading; missing cells are empty (as csv.DictReader gives them)."""
    row = dict(zip(headings, cells, strict=False))
    for heading in headings[len(cells) :]:
        row.setdefault(heading, "")
    return row


XLSX_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
XLSX_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
XLSX_DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CELL_REF = re.compile(r"^([A-Z]+)")


def column_index(reference: str, fallback: int) -> int:
    match = CELL_REF.match(reference or "")
    if not match:
        return fallback
    index = 0
    for letter in match.group(1):
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def read_xlsx(data: bytes) -> list[dict[str, str]]:
    """Stream the first sheet row by row and stop at the first row past the bounds: a
    600 KB file of two million rows is refused after reading MAX_ROWS of them.

    Read with the standard library's streaming XML parser rather than openpyxl, whose
    read-only mode parses the whole sheet once just to learn its size when the file does
    not say it (that took minutes on such a file)."""
    import zipfile
    from xml.etree.ElementTree import ParseError, iterparse

    unreadable = UnreadableFile(_("The Excel file could not be read."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as error:
        raise unreadable from error
    with archive:
        names = set(archive.namelist())
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise UnreadableFile(_("The Excel file is too large once unpacked."))
        try:
            sheet_path = first_sheet_path(archive)
            if sheet_path is None or sheet_path not in names:
                raise UnreadableFile(
                    _("The Excel file has no sheet with rows. Put the people on the first sheet.")
                )
            shared = (
                shared_strings(archive, "xl/sharedStrings.xml")
                if "xl/sharedStrings.xml" in names
                else []
            )
            rows = sheet_rows(archive, sheet_path, shared, iterparse)
            headings = [cell.strip() for cell in next(rows, [])]
            if len(headings) > MAX_COLUMNS:
                raise too_many_columns()
            result: list[dict[str, str]] = []
            empty_run = 0
            for cells in rows:
                if not any(cell.strip() for cell in cells):
                    empty_run += 1
                    if empty_run > MAX_EMPTY_ROWS:
                        break  # formatting far below the last person; nothing more to read
                    continue
                empty_run = 0
                if len(result) >= MAX_ROWS:
                    raise too_many_rows()
                if len(cells) > MAX_COLUMNS:
                    raise too_many_columns()
                result.append(row_dict(headings, cells))
        except (ParseError, KeyError, ValueError, zipfile.BadZipFile, OSError) as error:
            raise unreadable from error
    return result


def first_sheet_path(archive: Any) -> str | None:
    """The path inside the archive of the workbook's first sheet, or None if it has none."""
    from xml.etree.ElementTree import fromstring

    workbook = fromstring(archive.read("xl/workbook.xml"))
    sheets = workbook.find(f"{XLSX_MAIN}sheets")
    first = sheets.find(f"{XLSX_MAIN}sheet") if sheets is not None else None
    if first is None:
        return None
    relation = first.get(f"{XLSX_DOC_RELS}id")
    relations = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for item in relations.iter(f"{XLSX_RELS}Relationship"):
        if item.get("Id") == relation and item.get("Type", "").endswith("/worksheet"):
            target = item.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def shared_strings(archive: Any, path: str) -> list[str]:
    from xml.etree.ElementTree import iterparse

    strings: list[str] = []
    with archive.open(path) as stream:
        for _event, element in iterparse(stream, events=("end",)):
            if element.tag == f"{XLSX_MAIN}si":
                strings.append("".join(t.text or "" for t in element.iter(f"{XLSX_MAIN}t")))
                element.clear()
    return strings


def sheet_rows(archive: Any, path: str, shared: list[str], iterparse: Any) -> Any:
    """Each row of the sheet as a list of cell texts (gaps filled with empty strings)."""
    with archive.open(path) as stream:
        sheet_data = None
        for event, element in iterparse(stream, events=("start", "end")):
            if event == "start":
                if element.tag == f"{XLSX_MAIN}sheetData":
                    sheet_data = element
                continue
            if element.tag != f"{XLSX_MAIN}row":
                continue
            cells: list[str] = []
            for cell in element.iter(f"{XLSX_MAIN}c"):
                index = column_index(cell.get("r", ""), len(cells))
                if index >= MAX_COLUMNS:
                    if cell_text(cell, shared).strip():
                        raise too_many_columns()
                    continue
                while len(cells) < index:
                    cells.append("")
                cells.append(cell_text(cell, shared))
            # Keep memory flat: no row read stays in the tree.
            (sheet_data if sheet_data is not None else element).clear()
            yield cells


def cell_text(cell: Any, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{XLSX_MAIN}t"))
    value = cell.find(f"{XLSX_MAIN}v")
    text = value.text if value is not None and value.text else ""
    if kind == "s" and text:
        return shared[int(text)]
    if kind == "b":
        return "TRUE" if text == "1" else "FALSE"
    if kind == "n" and text.endswith(".0"):
        return text[:-2]  # Excel stores 3 as 3.0 at times; the import wants 3
    return text


def map_headings(headings: Iterable[str]) -> dict[str, str]:
    """Our column name -> the file's heading for it."""
    found: dict[str, str] = {}
    for heading in headings:
        key = heading.strip().lower()
        for column, aliases in COLUMNS.items():
            if key in aliases and column not in found:
                found[column] = heading
    return found


def check_rows(rows: list[dict[str, str]], *, organisation: Organisation) -> CheckedFile:
    """Check every row and collect every problem; nothing is saved here."""
    result = CheckedFile()
    if not rows:
        result.problems.append(RowProblem(1, "", str(_("The file has no rows of people."))))
        return result
    headings = map_headings(rows[0].keys())
    for column in REQUIRED:
        if column not in headings:
            result.problems.append(
                RowProblem(
                    1, str(COLUMN_LABELS[column]), str(_("The file has no column for this."))
                )
            )
    if result.problems:
        return result

    def cell(row: dict[str, str], column: str) -> str:
        heading = headings.get(column)
        return (row.get(heading) or "").strip() if heading else ""

    seen: dict[str, int] = {}
    for index, row in enumerate(rows, start=2):
        problems_before = result.problems.total
        name, email = cell(row, "name"), cell(row, "email").lower()

        def problem(
            column: str, message: str, index: int = index, person: str = name or email
        ) -> None:
            result.problems.append(
                RowProblem(index, str(COLUMN_LABELS[column]), message, person=person)
            )

        manager_email = cell(row, "manager_email").lower()
        side_text, generation = cell(row, "side").lower(), cell(row, "generation")
        languages = tuple(
            part.strip().lower()
            for part in re.split(r"[,;| ]+", cell(row, "languages"))
            if part.strip()
        )
        if not name:
            problem("name", str(_("The name is empty.")))
        if not email:
            problem("email", str(_("The email address is empty.")))
        else:
            try:
                validate_email(email)
            except ValidationError:
                problem("email", str(_("“%(value)s” is not an email address.") % {"value": email}))
            if email in seen:
                problem(
                    "email",
                    str(_("The email address is also in row %(row)s.") % {"row": seen[email]}),
                )
            else:
                seen[email] = index
        if side_text and side_text not in SIDES:
            problem(
                "side",
                str(
                    _("Unknown side “%(value)s”: write young or experienced (ung or erfaren).")
                    % {"value": side_text}
                ),
            )
        if generation and not GENERATION.match(generation):
            problem(
                "generation",
                str(
                    _("“%(value)s” is not a generation band such as 1995-2009.")
                    % {"value": generation}
                ),
            )
        bad_languages = [code for code in languages if not LANGUAGE.match(code)]
        if bad_languages:
            problem(
                "languages",
                str(
                    _("“%(value)s” is not a language code such as da or en.")
                    % {"value": ", ".join(bad_languages)}
                ),
            )
        if manager_email and manager_email == email:
            problem("manager_email", str(_("A person cannot be their own manager.")))
        if result.problems.total == problems_before:
            result.people.append(
                PersonRow(
                    row=index,
                    name=name,
                    email=email,
                    department=cell(row, "department"),
                    manager_email=manager_email,
                    side=SIDES.get(side_text, ""),
                    generation=generation,
                    languages=languages,
                )
            )
    check_managers(result, rows_by_email=seen, organisation=organisation)
    return result


def check_managers(
    result: CheckedFile, *, rows_by_email: dict[str, int], organisation: Organisation
) -> None:
    """Every manager must be in the file or already a member, and the reporting lines may not
    go round in a circle (counting the organisation's existing lines too)."""
    existing = {
        member.user.email.lower(): (member.manager.user.email.lower() if member.manager else "")
        for member in Member.objects.filter(organisation=organisation).select_related(
            "user", "manager__user"
        )
    }
    manager_of = dict(existing)
    for person in result.people:
        manager_of[person.email] = person.manager_email
    label = str(COLUMN_LABELS["manager_email"])
    for person in result.people:
        if (
            person.manager_email
            and person.manager_email not in rows_by_email
            and person.manager_email not in existing
        ):
            result.problems.append(
                RowProblem(
                    person.row,
                    label,
                    str(
                        _("The manager “%(value)s” is neither in the file nor a member.")
                        % {"value": person.manager_email}
                    ),
                    person=person.name,
                )
            )
    reported: set[str] = set()
    # People whose line is known to reach the top without a circle: a walk stops there, so
    # a deep tree is checked in time proportional to its size.
    reaches_top: set[str] = set()
    for person in result.people:
        path = [person.email]
        seen = {person.email}
        current = manager_of.get(person.email, "")
        while current and current not in seen and current not in reaches_top:
            path.append(current)
            seen.add(current)
            current = manager_of.get(current, "")
        if not current or current in reaches_top:
            reaches_top.update(path)
        elif current == person.email and person.email not in reported:
            reported.update(path)
            result.problems.append(
                RowProblem(
                    person.row,
                    label,
                    str(
                        _("The reporting lines go round in a circle: %(path)s.")
                        % {"path": " → ".join([*path, person.email])}
                    ),
                    person=person.name,
                )
            )
    result.problems.trim()


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    updated: int
    people: tuple[str, ...]  # the emails of the members saved, in file order
    # People who already have an account that this organisation does not manage: they were
    # invited to join (or already had a pending invitation) and are not members yet.
    invited: tuple[str, ...] = ()
    # People an administrator removed from the organisation: left as they are.
    skipped: tuple[str, ...] = ()

    def notes(self) -> list[RowProblem]:
        """What the page tells the administrator about the people who were not saved."""
        return [
            RowProblem(
                0,
                str(COLUMN_LABELS["email"]),
                str(
                    _(
                        "%(email)s already has an account elsewhere, so they were invited to "
                        "join instead of being added."
                    )
                    % {"email": email}
                ),
            )
            for email in self.invited
        ] + [
            RowProblem(
                0,
                str(COLUMN_LABELS["email"]),
                str(
                    _(
                        "%(email)s was removed from the organisation and was left out; "
                        "reactivate them on the members page to bring them back."
                    )
                    % {"email": email}
                ),
            )
            for email in self.skipped
        ]


# Rows written per statement: the queries of an import grow with the number of these
# chunks, not with the number of people, and the progress page moves once per chunk.
CHUNK = 1000
MEMBER_FIELDS = ["department", "generation", "languages", "side", "is_active"]

# Sent once an import has saved its people (bulk writes send no post_save per member), so
# that other apps can do in one go what they do when a membership is saved.
people_imported = Signal()


def upsert_members(members: list[Member], fields: list[str]) -> None:
    """Insert the members that are new and set `fields` on those that exist (matched by
    organisation and user), in one INSERT ... ON CONFLICT DO UPDATE per chunk. Much faster
    than bulk_update's CASE expression on thousands of rows, on SQLite and PostgreSQL."""
    Member.objects.bulk_create(
        members,
        batch_size=CHUNK,
        update_conflicts=True,
        unique_fields=["organisation", "user"],
        update_fields=fields,
    )


def is_unclaimed(user: User, *, organisation: Organisation, elsewhere: set[int]) -> bool:
    """An account the organisation may still update: created without a password by an
    import, never logged in, and a member of no other organisation. Once a person has used
    their account, its name, email, password and language are theirs alone to change."""
    return (
        user.password.startswith(UNUSABLE_PASSWORD_PREFIX)
        and user.last_login is None
        and user.pk not in elsewhere
    )


@transaction.atomic
def save_people(
    *,
    organisation: Organisation,
    people: list[PersonRow],
    by: Member | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    """Create new people and update what the organisation owns of its members (department,
    manager, side, generation band, languages), in one transaction and in bulk: a fixed
    number of queries per chunk of CHUNK rows, however long the file is. Managers are set in
    a second pass so a manager may come after their reports in the file.

    An import never takes over an account: someone who already has one and is not a member
    here is invited to join (`by` is the inviter) and added only when they accept; the name
    of an account is updated only while the organisation still manages it (see
    `is_unclaimed`). Someone an administrator removed stays removed (`skipped`)."""
    from gensidig.accounts.actions import invite_member

    existing = {
        member.user.email.lower(): member
        for member in Member.objects.filter(organisation=organisation).select_related("user")
    }
    saved: dict[str, Member] = {}
    invited: list[str] = []
    skipped: list[str] = []
    for start in range(0, len(people), CHUNK):
        chunk = people[start : start + CHUNK]
        emails = [p.email for p in chunk]
        accounts = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
        elsewhere = set(
            Member.objects.filter(user__email__in=emails)
            .exclude(organisation=organisation)
            .values_list("user_id", flat=True)
        )
        new_users: list[User] = []
        renamed: list[User] = []
        members = []
        for person in chunk:
            user = accounts.get(person.email)
            before = existing.get(person.email)
            if before is not None and not before.is_active:
                skipped.append(person.email)
                continue
            if user is not None and before is None:
                invited.append(person.email)
                continue
            if user is None:
                # New people get an account without a password (they set one from their
                # invitation).
                user = User(
                    email=person.email,
                    name=person.name,
                    password=UNUSABLE_PASSWORD_PREFIX + token_hex(20),
                )
                new_users.append(user)
            elif user.name != person.name and is_unclaimed(
                user, organisation=organisation, elsewhere=elsewhere
            ):
                user.name = person.name
                renamed.append(user)
            member = Member(
                organisation=organisation,
                user=user,
                role=before.role if before else Role.PARTICIPANT,
                title=before.title if before else "",
                manager_id=before.manager_id if before else None,
                department=person.department,
                generation=person.generation,
                languages=list(person.languages),
                side=person.side,
                is_active=True,
            )
            members.append(member)
            saved[person.email] = member
        User.objects.bulk_create(new_users, batch_size=CHUNK)
        User.objects.bulk_update(renamed, ["name"], batch_size=CHUNK)
        upsert_members(members, MEMBER_FIELDS)
        if progress:
            progress(start + len(chunk))
    relinked = []
    for person in people:
        if person.email not in saved:
            continue
        member = saved[person.email]
        manager = (
            (saved.get(person.manager_email) or existing.get(person.manager_email))
            if person.manager_email
            else None
        )
        if member.manager_id != (manager.pk if manager else None):
            member.manager = manager
            # A fresh row for the same person, so the upsert finds them by organisation and
            # user and changes only the manager.
            clone = Member(
                **{f.attname: getattr(member, f.attname) for f in Member._meta.concrete_fields}
            )
            clone.pk = None
            relinked.append(clone)
    upsert_members(relinked, ["manager"])
    # Invitations go one by one (each is an email); they are the rare case of people who
    # already use Gensidig elsewhere. A pending invitation is not sent again.
    pending = set(
        Invitation.objects.filter(
            organisation=organisation,
            email__in=invited,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        ).values_list("email", flat=True)
    )
    rows = {p.email: p for p in people}
    for email in invited:
        if email not in pending:
            person = rows[email]
            invite_member(
                organisation=organisation,
                email=email,
                role=Role.PARTICIPANT,
                invited_by=by,
                member_fields={
                    "department": person.department,
                    "generation": person.generation,
                    "languages": list(person.languages),
                    "side": person.side,
                    "manager_email": person.manager_email,
                },
            )
    people_imported.send(
        sender=Member,
        organisation=organisation,
        members=[saved[p.email] for p in people if p.email in saved],
    )
    created = sum(1 for p in people if p.email in saved and p.email not in existing)
    outcome = ImportOutcome(
        created=created,
        updated=len(saved) - created,
        people=tuple(p.email for p in people if p.email in saved),
        invited=tuple(invited),
        skipped=tuple(skipped),
    )
    log_security_event(
        kind=SecurityEvent.Kind.IMPORTED,
        organisation=organisation,
        actor_id=by.user_id if by else None,
        details={
            "created": outcome.created,
            "updated": outcome.updated,
            "invited": len(outcome.invited),
            "skipped": len(outcome.skipped),
        },
    )
    return outcome
