"""Personal data of programs: enrolments with the participant's profile. See
`gensidig.common.personal_data`."""

from __future__ import annotations

from django.db.models.functions import Lower

from gensidig.common.personal_data import Person, exclude, register, register_export
from gensidig.programs.models import Enrolment
from gensidig.programs.queries import profiles_of_user


def erase_enrolments(person: Person) -> None:
    """Detach the person's enrolments from them and blank what they wrote: the enrolment
    stays (a pair, a proposal or a figure of the program may hang off it) as 'a former
    member', with only its side and status."""
    mine = Enrolment.objects.filter(member_id__in=person.member_ids)
    ids = list(mine.values_list("pk", flat=True))
    person.scratch["enrolments"] = ids
    for enrolment in Enrolment.objects.filter(pk__in=ids):
        enrolment.wishes.clear()
        enrolment.blocks.clear()
    Enrolment.objects.filter(pk__in=ids).update(
        member=None,
        invited_email="",
        share_other="",
        want_other="",
        availability="",
        generation="",
        languages=[],
    )
    # Places waiting for the person's address (invited to a program, not a member yet).
    waiting = Enrolment.objects.filter(member=None).annotate(email=Lower("invited_email"))
    waiting = waiting.filter(email=person.email.lower())
    if not person.whole_account:
        waiting = waiting.filter(program__organisation_id__in=person.organisation_ids)
    waiting.delete()


register(
    "programs.Enrolment",
    purpose="A participant's place in a program and their profile (side, band, topics, "
    "languages, availability, wishes and blocks), only to propose good pairs.",
    basis="Consent: the participant fills in the profile and accepts the charter.",
    retention="Until the program is closed and its retention period "
    "(Program.retention_months) has passed, or the person is erased.",
    section="program_profiles",
    exported="Every profile field, with topics, wishes and blocks by name.",
    erased="Detached from the person and emptied; kept as 'a former member' with side and "
    "status so pairs and program figures stay.",
    erase=erase_enrolments,
    order=70,
)
register(
    "programs.ProfileTopic",
    purpose="What a participant can share and wants to learn, with levels.",
    basis="Consent, as the profile.",
    retention="As the enrolment.",
    section="program_profiles",
    exported="In the profile (shares, wants to learn).",
    erased="Kept on the detached enrolment: topics and levels no longer name anyone and "
    "the program's learning figures count them.",
)
register_export("program_profiles", lambda person: profiles_of_user(person.user_id))

exclude("programs.Topic", "The organisation's catalogue: names of subjects, not of people.")
exclude(
    "programs.Program",
    "A program's charter is the organisation's text; its sponsor is a member reference "
    "that becomes empty (SET_NULL) when the member is deleted.",
)
