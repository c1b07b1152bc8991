"""Personal data of a pair's work: meetings, goals, reflections, self-assessments, closing
answers, calendar feeds and sent nudges. See `gensidig.common.personal_data`.

Erasing a person keeps what belongs to their partner (the partner's own reflections, goals,
notes and closing answers, the meetings they shared) and the structured facts the program
counts (usefulness, topics, levels, progress), and removes what the person wrote."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

from django.db.models import Q

from gensidig.common.personal_data import Person, register, register_export
from gensidig.common.retention import register_purge
from gensidig.meetings.models import (
    CalendarFeed,
    ClosingAnswer,
    Goal,
    Nudge,
    Reflection,
)
from gensidig.meetings.queries import personal_data_of_user


def by_person(person: Person, field: str) -> Q:
    return Q(**{f"{field}__member_id__in": person.member_ids})


register(
    "meetings.Meeting",
    purpose="When and where a pair meets, so both can meet and get calendar invites.",
    basis="Legitimate interest of the program; booked by the partners.",
    retention="With the pair; closed programs' meetings go with the program's retention.",
    section="pairs",
    exported="Time, length, place, video link and status (section pairs).",
    erased="Kept for the partner (a shared appointment); the pair's history and the "
    "program's figures stay as they were.",
)


def erase_goals(person: Person) -> None:
    Goal.objects.filter(by_person(person, "learner")).update(text="")


register(
    "meetings.Goal",
    purpose="What one partner wants to learn from the other, with progress over time.",
    basis="Consent: written by the learner.",
    retention="With the pair; blanked with the program's private data after its retention.",
    section="pairs",
    exported="The person's own goals with progress marks (section pairs).",
    erased="The text is blanked; topic and progress stay for the program's figures.",
    erase=erase_goals,
    order=60,
)


def erase_reflections(person: Person) -> None:
    Reflection.objects.filter(by_person(person, "author")).update(learned_text="", private_notes="")


register(
    "meetings.Reflection",
    purpose="After a meeting, what each partner taught and learned; private notes for the two "
    "partners only.",
    basis="Consent: written by the author.",
    retention="With the pair; text and private notes blanked when the closed program's "
    "retention period has passed.",
    section="pairs",
    exported="The person's own reflections with their private notes (section pairs); never "
    "the partner's notes.",
    erased="Text and private notes blanked; topics and usefulness stay for the figures.",
    erase=erase_reflections,
    order=60,
)
register(
    "meetings.Assessment",
    purpose="A learner's own rating before and after, to show learning.",
    basis="Consent: given by the learner.",
    retention="With the pair.",
    section="pairs",
    exported="Topic, phase and level (section pairs).",
    erased="Kept on the detached enrolment: levels without a name, counted in the figures.",
)


def erase_closing(person: Person) -> None:
    ClosingAnswer.objects.filter(by_person(person, "author")).update(
        what_changed="", organisation_gain=""
    )


register(
    "meetings.ClosingAnswer",
    purpose="A partner's closing questionnaire when the pair ends.",
    basis="Consent: written by the partner.",
    retention="With the pair; text blanked with the program's private data.",
    section="pairs",
    exported="The person's own answers (section pairs).",
    erased="Text blanked; the yes/maybe/no answer stays for the figures.",
    erase=erase_closing,
    order=60,
)


def export_feed(person: Person) -> list[dict[str, Any]]:
    return [
        {"organisation": feed.member.organisation.name, "created": feed.created_at.isoformat()}
        for feed in CalendarFeed.objects.filter(member_id__in=person.member_ids).select_related(
            "member__organisation"
        )
    ]


register(
    "meetings.CalendarFeed",
    purpose="A member's private calendar feed address.",
    basis="Contract: the member's own calendar.",
    retention="While a member; replaceable at any time.",
    section="calendar_feeds",
    exported="Which organisation and since when; not the secret address.",
    erased="Deleted with the membership (cascade).",
)
register_export("calendar_feeds", export_feed)


def erase_nudges(person: Person) -> None:
    Nudge.objects.filter(by_person(person, "enrolment")).delete()


register(
    "meetings.Nudge",
    purpose="Remember which reminder was sent so none goes twice.",
    basis="Legitimate interest: not sending the same reminder twice.",
    retention="With the enrolment.",
    section=None,
    exported="Not exported: a record that a reminder went out.",
    erased="Deleted.",
    erase=erase_nudges,
    order=60,
)
register_export("pairs", lambda person: personal_data_of_user(person.user_id)["pairs"])


def purge_closed_programs(now: datetime) -> int:
    """Closed programs past their retention period lose the words people wrote in their
    pairs (reflections with private notes, goals, closing answers); numbers stay."""
    from gensidig.programs.models import Program, State

    today = now.date()
    expired = [
        program.pk
        for program in Program.objects.filter(state=State.CLOSED).only(
            "ends_on", "retention_months"
        )
        if add_months(program.ends_on, program.retention_months) <= today
    ]
    count = (
        Reflection.objects.filter(meeting__pair__program_id__in=expired)
        .exclude(learned_text="", private_notes="")
        .update(learned_text="", private_notes="")
    )
    count += Goal.objects.filter(pair__program_id__in=expired).exclude(text="").update(text="")
    count += (
        ClosingAnswer.objects.filter(pair__program_id__in=expired)
        .exclude(what_changed="", organisation_gain="")
        .update(what_changed="", organisation_gain="")
    )
    return count


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


register_purge("closed programs' texts", purge_closed_programs)
