"""Import participants straight into a program: the people columns of
`gensidig.accounts.imports` plus what each can share and wants to learn, so an HR export can
go from file to matching round. All or nothing, like the people import it builds on."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gensidig.accounts import imports as people_import
from gensidig.accounts.models import ImportJob, Member
from gensidig.programs.models import Enrolment, EnrolmentStatus, Mode, ProfileTopic, Program, Topic
from gensidig.programs.queries import fold
from gensidig.programs.rules import why_not

TOPIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "shares": ("shares", "can share", "kan dele", "deler"),
    "wants": ("wants", "wants to learn", "vil lære", "ønsker at lære"),
}
ITEM = re.compile(r"^(?P<name>[^:]+?)\s*(?::\s*(?P<level>\d+))?$")


@dataclass
class ProgramFile:
    people: list[people_import.PersonRow] = field(default_factory=list)
    topics: dict[str, list[tuple[Topic, str, int]]] = field(default_factory=dict)  # email -> rows
    problems: people_import.Problems = field(default_factory=people_import.Problems)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.people)


def topic_lookup(program: Program) -> dict[str, Topic]:
    topics = {t.pk: t for t in Topic.objects.filter(organisation=program.organisation)}
    lookup: dict[str, Topic] = {}
    for topic in topics.values():
        living = topic
        while living.merged_into_id and living.merged_into_id in topics:
            living = topics[living.merged_into_id]
        for key in (topic.slug, topic.name_da, topic.name_en):
            lookup.setdefault(key.strip().lower(), living)
            # Without accents and æøå spelled out too: "AI-værktøjer" finds ai-vaerktoejer.
            lookup.setdefault(fold(key), living)
    return lookup


def find_topic(lookup: dict[str, Topic], name: str) -> Topic | None:
    return lookup.get(name.strip().lower()) or lookup.get(fold(name))


def import_example(program: Program, language: str) -> str:
    """The help's example of the topic columns, made of the catalogue's own first two topics
    (levels 3 and 2), so that it imports as written."""
    topics = list(
        Topic.objects.filter(
            organisation=program.organisation, retired=False, merged_into=None
        ).order_by("pk")[:2]
    )
    if not topics:
        return "TikTok:3 | Strategi:2"
    names = [t.name_en if language == "en" else t.name_da for t in topics]
    return " | ".join(f"{name}:{level}" for name, level in zip(names, (3, 2), strict=False))


def check_file(rows: list[dict[str, str]], *, program: Program) -> ProgramFile:
    checked = people_import.check_rows(rows, organisation=program.organisation)
    result = ProgramFile(people=checked.people, problems=checked.problems)
    reason = why_not(program, "invite")
    if reason is not None:
        result.problems.insert(0, people_import.RowProblem(0, "", str(reason)))
        return result
    if not rows:
        return result
    headings = {
        column: heading
        for heading in rows[0]
        for column, aliases in TOPIC_COLUMNS.items()
        if heading.strip().lower() in aliases
    }
    lookup = topic_lookup(program)
    by_row = {person.row: person for person in checked.people}
    for index, row in enumerate(rows, start=2):
        person = by_row.get(index)
        if person is None:
            continue
        if program.mode == Mode.REVERSE and not person.side:
            result.problems.append(
                people_import.RowProblem(
                    index,
                    pgettext("import column", "side"),
                    _("Reverse mentoring needs each person's side: young or experienced."),
                    person=person.name,
                )
            )
        chosen: list[tuple[Topic, str, int]] = []
        for kind, heading in headings.items():
            column = (
                pgettext("import column", "can share")
                if kind == "shares"
                else pgettext("import column", "wants to learn")
            )
            for item in filter(
                None, (part.strip() for part in re.split(r"[|;,]", row.get(heading) or ""))
            ):
                match = ITEM.match(item)
                topic = find_topic(lookup, match.group("name")) if match else None
                level = int(match.group("level") or 2) if match else 0
                if topic is None or topic.retired:
                    result.problems.append(
                        people_import.RowProblem(
                            index,
                            column,
                            _("“%(value)s” is not a topic in the catalogue.") % {"value": item},
                            person=person.name,
                        )
                    )
                elif not 1 <= level <= 3:
                    result.problems.append(
                        people_import.RowProblem(
                            index,
                            column,
                            _("The level of “%(value)s” must be 1, 2 or 3.") % {"value": item},
                            person=person.name,
                        )
                    )
                else:
                    chosen.append((topic, "share" if kind == "shares" else "want", level))
        result.topics[person.email] = chosen
    result.problems.trim()
    return result


@transaction.atomic
def save_file(
    *,
    program: Program,
    checked: ProgramFile,
    by: Member | None,
    progress: Callable[[int], None] | None = None,
) -> people_import.ImportOutcome:
    """Save the people, enrol them with their side, and record their topics; one transaction."""
    outcome = people_import.save_people(
        organisation=program.organisation, people=checked.people, by=by, progress=progress
    )
    saved = set(outcome.people)
    members = {
        m.user.email.lower(): m
        for m in Member.objects.filter(
            organisation=program.organisation, user__email__in=outcome.people
        ).select_related("user")
    }
    # In bulk, like the people: a fixed number of queries per chunk, however long the file.
    existing = {
        e.member_id: e
        for e in Enrolment.objects.filter(
            program=program, member__in=[m.pk for m in members.values()]
        )
    }
    now = timezone.now()
    new: list[Enrolment] = []
    changed: dict[int, Enrolment] = {}
    by_email: dict[str, Enrolment] = {}
    # People invited to the organisation (they have an account elsewhere) or left out as
    # removed are not members: the outcome's notes name them and they are not enrolled.
    for person in (p for p in checked.people if p.email in saved):
        member = members[person.email]
        enrolment = existing.get(member.pk)
        if enrolment is None:
            enrolment = Enrolment(program=program, member=member, invited_by=by)
            existing[member.pk] = enrolment
            new.append(enrolment)
        elif enrolment.pk is not None:
            changed[enrolment.pk] = enrolment
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.enrolled_at = enrolment.enrolled_at or now
        enrolment.side = person.side or enrolment.side
        enrolment.generation = person.generation or enrolment.generation
        enrolment.languages = list(person.languages) or enrolment.languages
        by_email[person.email] = enrolment
    Enrolment.objects.bulk_create(new, batch_size=people_import.CHUNK)
    fields = ["status", "enrolled_at", "side", "generation", "languages"]
    Enrolment.objects.bulk_update(list(changed.values()), fields, batch_size=people_import.CHUNK)
    # The file says what each person shares and wants: it replaces their old lists.
    listed = {email: rows for email, rows in checked.topics.items() if rows and email in saved}
    ids = [by_email[email].pk for email in listed]
    for lo in range(0, len(ids), people_import.CHUNK):
        ProfileTopic.objects.filter(enrolment_id__in=ids[lo : lo + people_import.CHUNK]).delete()
    fresh: list[ProfileTopic] = []
    for email, topics in listed.items():
        best: dict[tuple[int, str], tuple[Topic, str, int]] = {}
        for topic, kind, level in topics:
            key = (topic.pk, kind)
            if key not in best or best[key][2] < level:
                best[key] = (topic, kind, level)
        fresh += (
            ProfileTopic(enrolment=by_email[email], topic=topic, kind=kind, level=level)
            for topic, kind, level in best.values()
        )
    ProfileTopic.objects.bulk_create(fresh, batch_size=people_import.CHUNK)
    return outcome


def run_job(
    job_id: int, progress: Callable[[int], None]
) -> tuple[list[people_import.RowProblem], people_import.ImportOutcome | None]:
    """The background half of a large program import (called by accounts' import task)."""
    job = ImportJob.objects.get(pk=job_id)
    assert job.program_id is not None
    program = Program.objects.get(pk=job.program_id, organisation=job.organisation)
    rows = people_import.read_rows(bytes(job.data or b""), job.filename)
    checked = check_file(rows, program=program)
    if not checked.ok:
        return checked.problems, None
    ImportJob.objects.filter(pk=job.pk).update(total=len(checked.people))
    return [], save_file(program=program, checked=checked, by=job.created_by, progress=progress)
