"""Writes for programs, topics, enrolments and profiles: verb-first, keyword-only, one
transaction each. Views and the demo both come through here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from gensidig.accounts import actions as account_actions
from gensidig.accounts.actions import entry_link
from gensidig.accounts.models import Member, Organisation, Role
from gensidig.common.email import send_templated_email
from gensidig.common.events import emit
from gensidig.common.versions import check_version
from gensidig.programs.models import (
    MAX_WISHES,
    PROFILE_STEPS,
    Direction,
    Enrolment,
    EnrolmentStatus,
    Mode,
    ProfileTopic,
    Program,
    ReportingLineDepth,
    Side,
    Topic,
    TopicKind,
    default_ground_rules_text,
    new_signup_token,
)
from gensidig.programs.rules import (
    PAIRING_RULE_FIELDS,
    TRANSITIONS,
    ProgramStateError,
    why_not,
    why_not_join,
)

# The catalogue every organisation starts with: (slug, Danish, English, direction).
SEED_TOPICS: tuple[tuple[str, str, str, str], ...] = (
    ("sociale-medier", "Sociale medier og trends", "Social media and trends",
     Direction.YOUNG_TO_EXPERIENCED),
    ("ai-vaerktoejer", "AI-værktøjer til tekst og video", "AI writing and video tools",
     Direction.YOUNG_TO_EXPERIENCED),
    ("digitale-vaerktoejer", "Nye digitale værktøjer", "New digital tools",
     Direction.YOUNG_TO_EXPERIENCED),
    ("unge-kunder", "Forbrugeradfærd og den unge kundes tankegang",
     "Consumer behaviour and the young customer's mindset", Direction.YOUNG_TO_EXPERIENCED),
    ("arbejdsformer", "Nye måder at arbejde på", "Ways of working",
     Direction.YOUNG_TO_EXPERIENCED),
    ("virksomhedens-historie", "Virksomhedens historie", "The company's history",
     Direction.EXPERIENCED_TO_YOUNG),
    ("strategi", "Strategi", "Strategy", Direction.EXPERIENCED_TO_YOUNG),
    ("produkter-og-kunder", "Produkt- og kundekendskab", "Product and customer knowledge",
     Direction.EXPERIENCED_TO_YOUNG),
    ("branchen", "Indsigt i branchen", "Industry insight", Direction.EXPERIENCED_TO_YOUNG),
    ("netvaerk", "Netværk", "Networks", Direction.EXPERIENCED_TO_YOUNG),
    ("ledelse", "Ledelse", "Leadership", Direction.EXPERIENCED_TO_YOUNG),
    ("forhandling", "Forhandling", "Negotiating", Direction.EXPERIENCED_TO_YOUNG),
    ("konflikthaandtering", "Konflikthåndtering", "Handling conflict",
     Direction.EXPERIENCED_TO_YOUNG),
)  # fmt: skip


class EnrolmentError(Exception):
    """An enrolment that cannot happen; `reason` is a translated sentence."""

    def __init__(self, reason: object) -> None:
        super().__init__(str(reason))
        self.reason = reason


# --- Topics -----------------------------------------------------------------------------


@transaction.atomic
def seed_topics(*, organisation: Organisation) -> int:
    """Give an organisation the starting catalogue once; returns how many topics were made.
    An organisation that has any topic already is left alone (its admins own it now)."""
    if Topic.objects.filter(organisation=organisation).exists():
        return 0
    Topic.objects.bulk_create(
        Topic(organisation=organisation, slug=slug, name_da=da, name_en=en, direction=direction)
        for slug, da, en, direction in SEED_TOPICS
    )
    return len(SEED_TOPICS)


def unique_topic_slug(organisation: Organisation, name: str) -> str:
    base = slugify(name)[:70] or "emne"
    slug, n = base, 2
    while Topic.objects.filter(organisation=organisation, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def add_topic(
    *, organisation: Organisation, name_da: str, name_en: str, direction: str = Direction.BOTH
) -> Topic:
    name_da, name_en = name_da.strip(), name_en.strip()
    existing = Topic.objects.filter(organisation=organisation, name_da__iexact=name_da).first()
    if existing is not None:
        return existing
    return Topic.objects.create(
        organisation=organisation,
        slug=unique_topic_slug(organisation, name_en or name_da),
        name_da=name_da or name_en,
        name_en=name_en or name_da,
        direction=direction,
    )


@transaction.atomic
def rename_topic(*, topic: Topic, name_da: str, name_en: str, direction: str) -> Topic:
    topic.name_da, topic.name_en, topic.direction = name_da.strip(), name_en.strip(), direction
    topic.save(update_fields=["name_da", "name_en", "direction"])
    return topic


@transaction.atomic
def retire_topic(*, topic: Topic, retired: bool = True) -> Topic:
    """Hide a topic from new choices (or bring it back); profiles that have it keep it."""
    topic.retired = retired
    topic.save(update_fields=["retired"])
    return topic


@transaction.atomic
def merge_topics(*, source: Topic, target: Topic) -> Topic:
    """Fold `source` into `target`: every profile and program theme that had the source now
    has the target (a profile that had both keeps the higher level), and the source stays
    as a retired pointer so nothing that referred to it breaks."""
    if source.pk == target.pk or source.organisation_id != target.organisation_id:
        raise ValueError("A topic can only be merged into another topic of its organisation.")
    for row in ProfileTopic.objects.select_for_update().filter(topic=source):
        twin = ProfileTopic.objects.filter(
            enrolment_id=row.enrolment_id, topic=target, kind=row.kind
        ).first()
        if twin is None:
            row.topic = target
            row.save(update_fields=["topic"])
        else:
            if row.level > twin.level:
                twin.level = row.level
                twin.save(update_fields=["level"])
            row.delete()
    for program in Program.objects.filter(themes_young_to_experienced=source):
        program.themes_young_to_experienced.remove(source)
        program.themes_young_to_experienced.add(target)
    for program in Program.objects.filter(themes_experienced_to_young=source):
        program.themes_experienced_to_young.remove(source)
        program.themes_experienced_to_young.add(target)
    # Earlier merges into the source now point at the target too.
    Topic.objects.filter(merged_into=source).update(merged_into=target)
    source.merged_into = target
    source.retired = True
    source.save(update_fields=["merged_into", "retired"])
    return target


# --- Programs ---------------------------------------------------------------------------


@dataclass
class Charter:
    """Everything an admin decides about a program, as one typed value."""

    name: str
    starts_on: date
    ends_on: date
    purpose: str = ""
    sponsor: Member | None = None
    cadence_weeks: int = 4
    meeting_minutes: int = 60
    mode: str = Mode.REVERSE
    capacity: int = 1
    reporting_line_depth: int = ReportingLineDepth.TWO_LEVELS
    shared_language: bool = True
    different_department: bool = False
    exclude_same_manager: bool = False
    forbid_repeat: bool = True
    min_generation_gap: int = 1
    ground_rules: str = ""
    themes_young_to_experienced: Iterable[Topic] = field(default_factory=list)
    themes_experienced_to_young: Iterable[Topic] = field(default_factory=list)


SCALAR_FIELDS = (
    "name",
    "starts_on",
    "ends_on",
    "purpose",
    "sponsor",
    "cadence_weeks",
    "meeting_minutes",
    "mode",
    "capacity",
    "reporting_line_depth",
    "shared_language",
    "different_department",
    "exclude_same_manager",
    "forbid_repeat",
    "min_generation_gap",
)


def normalised_ground_rules(text: str) -> str:
    """Store nothing when the text is the suggested rules (in either language), so that
    each reader keeps seeing them in their own language."""
    from django.utils import translation

    lines = "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())
    for language in ("da", "en"):
        with translation.override(language):
            if lines == default_ground_rules_text():
                return ""
    return lines


def apply_charter(program: Program, charter: Charter) -> None:
    if charter.sponsor is not None and charter.sponsor.organisation_id != program.organisation_id:
        raise ValueError("The sponsor must be a member of the program's organisation.")
    for name in SCALAR_FIELDS:
        setattr(program, name, getattr(charter, name))
    program.ground_rules = normalised_ground_rules(charter.ground_rules)
    program.save()
    for attribute in ("themes_young_to_experienced", "themes_experienced_to_young"):
        topics = [
            t for t in getattr(charter, attribute) if t.organisation_id == program.organisation_id
        ]
        getattr(program, attribute).set(topics)


@transaction.atomic
def create_program(*, organisation: Organisation, charter: Charter) -> Program:
    program = Program(organisation=organisation)
    apply_charter(program, charter)
    return program


@transaction.atomic
def update_charter(*, program: Program, charter: Charter, version: int | None = None) -> Program:
    """Save the charter; `version` is the one the form was opened at, and a charter saved
    by someone else since is not overwritten (ChangedElsewhere)."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    check_version(program, version)
    program.version += 1
    reason = why_not(program, "edit_charter")
    if reason is not None:
        raise ProgramStateError(reason)
    if any(getattr(program, name) != getattr(charter, name) for name in PAIRING_RULE_FIELDS):
        reason = why_not(program, "edit_pairing_rules")
        if reason is not None:
            raise ProgramStateError(reason)
    apply_charter(program, charter)
    return program


def move_program(program: Program, step: str) -> Program:
    locked = Program.objects.select_for_update().get(pk=program.pk)
    reason = why_not(locked, step)
    if reason is not None:
        raise ProgramStateError(reason)
    locked.state = TRANSITIONS[step][1]
    locked.save(update_fields=["state"])
    return locked


@transaction.atomic
def open_enrolment(*, program: Program) -> Program:
    return move_program(program, "open_enrolment")


@transaction.atomic
def start_matching(*, program: Program) -> Program:
    return move_program(program, "start_matching")


@transaction.atomic
def start_running(*, program: Program) -> Program:
    return move_program(program, "start_running")


@transaction.atomic
def close_program(*, program: Program, by: Member | None = None) -> Program:
    """Close the program and, in the same transaction, end its pairs still active, each
    through `meetings.actions.end_pair` as the daily run does at the end date: meetings
    ahead are cancelled and both partners get the closing questions."""
    # Imported here: pairs and their meetings are apps built on top of programs.
    from gensidig.matching.models import Pair
    from gensidig.meetings.actions import end_pair

    closed = move_program(program, "close_program")
    for pair in Pair.objects.filter(program=closed, ended_at=None).order_by("pk"):
        end_pair(pair=pair, by=by)
    return closed


STATE_ACTIONS = {
    "open_enrolment": open_enrolment,
    "start_matching": start_matching,
    "start_running": start_running,
    "close_program": close_program,
}


@transaction.atomic
def reset_signup_link(*, program: Program) -> Program:
    """Replace the self-signup link; the old one stops working at once."""
    program.signup_token = new_signup_token()
    program.save(update_fields=["signup_token"])
    return program


# --- Enrolment --------------------------------------------------------------------------


def enrolment_facts(enrolment: Enrolment) -> dict[str, object]:
    """What an enrolment event tells a subscriber: ids and states, no profile."""
    return {
        "enrolment_id": enrolment.pk,
        "program_id": enrolment.program_id,
        "member_id": enrolment.member_id,
        "side": enrolment.side,
        "status": enrolment.status,
    }


def program_link(program: Program) -> str:
    return reverse(
        "programs:detail", kwargs={"org": program.organisation.slug, "program_id": program.pk}
    )


@transaction.atomic
def invite_to_program(
    *, program: Program, member: Member, invited_by: Member, side: str = ""
) -> Enrolment:
    """Invite a member of the organisation; they join from the program's page. Inviting
    someone already invited or enrolled changes nothing; a withdrawn person is invited again."""
    reason = why_not(program, "invite")
    if reason is not None:
        raise ProgramStateError(reason)
    if member.organisation_id != program.organisation_id:
        raise ValueError("Only members of the program's organisation can be invited.")
    Program.objects.select_for_update().filter(pk=program.pk).first()
    enrolment, created = Enrolment.objects.get_or_create(
        program=program,
        member=member,
        defaults={
            "side": side or member.side,
            "invited_by": invited_by,
            "generation": member.generation,
            "languages": list(member.languages),
        },
    )
    if not created and enrolment.status != EnrolmentStatus.WITHDRAWN:
        return enrolment
    enrolment.status = EnrolmentStatus.INVITED
    enrolment.save(update_fields=["status"])
    emit("enrolment.changed", organisation_id=program.organisation_id, **enrolment_facts(enrolment))
    send_templated_email(
        to=member.user.email,
        template="programs/email/program_invitation",
        context={
            "program": program.name,
            "organisation": program.organisation.name,
            "inviter": invited_by.user.name,
            # Someone who has never signed in gets an activation link that goes on there.
            "link": entry_link(member=member, path=program_link(program)),
        },
        language=member.user.language,
    )
    return enrolment


@transaction.atomic
def invite_person_to_program(
    *, program: Program, email: str, invited_by: Member, name: str = "", side: str = ""
) -> Enrolment:
    """Invite someone by email: a member is invited straight away; anyone else gets an
    invitation to the organisation, and their place in the program waits for them."""
    email = email.strip().lower()
    member = Member.objects.filter(
        organisation=program.organisation, user__email__iexact=email, is_active=True
    ).first()
    if member is not None:
        return invite_to_program(program=program, member=member, invited_by=invited_by, side=side)
    reason = why_not(program, "invite")
    if reason is not None:
        raise ProgramStateError(reason)
    enrolment, _created = Enrolment.objects.get_or_create(
        program=program,
        member=None,
        invited_email=email,
        defaults={"side": side, "invited_by": invited_by},
    )
    account_actions.invite_member(
        organisation=program.organisation,
        email=email,
        role=Role.PARTICIPANT,
        invited_by=invited_by,
        name=name,
    )
    return enrolment


@transaction.atomic
def claim_pending_enrolments(*, member: Member) -> int:
    """Hand the program places waiting for this member's email address to them."""
    pending = Enrolment.objects.select_for_update().filter(
        program__organisation_id=member.organisation_id,
        member=None,
        invited_email__iexact=member.user.email,
    )
    claimed = 0
    for enrolment in pending:
        if Enrolment.objects.filter(program_id=enrolment.program_id, member=member).exists():
            enrolment.delete()
            continue
        enrolment.member = member
        enrolment.invited_email = ""
        enrolment.generation = enrolment.generation or member.generation
        enrolment.side = enrolment.side or member.side
        enrolment.languages = enrolment.languages or list(member.languages)
        enrolment.save(update_fields=["member", "invited_email", "generation", "side", "languages"])
        claimed += 1
    return claimed


@transaction.atomic
def enrol(*, program: Program, member: Member, side: str = "") -> Enrolment:
    """Enrol a member: accepting an invitation, or signing up through the program's link.
    Twice is the same as once (the program row is locked while it happens). Someone an
    administrator withdrew cannot enrol themselves again (see `rules.why_not_join`)."""
    if member.organisation_id != program.organisation_id:
        raise ValueError("Only members of the program's organisation can enrol.")
    Program.objects.select_for_update().filter(pk=program.pk).first()
    enrolment = Enrolment.objects.filter(program=program, member=member).first()
    if enrolment is not None and enrolment.status == EnrolmentStatus.ENROLLED:
        return enrolment
    reason = why_not_join(program, enrolment)
    if reason is not None:
        raise ProgramStateError(reason)
    if enrolment is None:
        # What the organisation knows already (from an import, say) is where the profile starts.
        enrolment = Enrolment(
            program=program,
            member=member,
            generation=member.generation,
            side=member.side,
            languages=list(member.languages),
        )
    enrolment.status = EnrolmentStatus.ENROLLED
    enrolment.enrolled_at = timezone.now()
    if side:
        enrolment.side = side
    enrolment.save()
    emit("enrolment.changed", organisation_id=program.organisation_id, **enrolment_facts(enrolment))
    return enrolment


@transaction.atomic
def enrol_with_link(*, organisation: Organisation, token: str, member: Member) -> Enrolment:
    """Self-signup: the program's secret link is the invitation."""
    program = Program.objects.filter(organisation=organisation, signup_token=token).first()
    if program is None:
        raise EnrolmentError("invalid")
    return enrol(program=program, member=member)


@transaction.atomic
def withdraw_enrolment(*, enrolment: Enrolment) -> Enrolment:
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.save(update_fields=["status"])
    emit(
        "enrolment.changed",
        organisation_id=enrolment.program.organisation_id,
        **enrolment_facts(enrolment),
    )
    return enrolment


# --- Profile ----------------------------------------------------------------------------


def editable(enrolment: Enrolment) -> Enrolment:
    locked = Enrolment.objects.select_for_update().select_related("program").get(pk=enrolment.pk)
    reason = why_not(locked.program, "edit_profile")
    if reason is not None:
        raise ProgramStateError(reason)
    if locked.status != EnrolmentStatus.ENROLLED:
        raise EnrolmentError("not-enrolled")
    return locked


def mark_step_done(enrolment: Enrolment, step: str) -> None:
    done = PROFILE_STEPS.index(step) + 1
    if enrolment.profile_step < done:
        enrolment.profile_step = done
        enrolment.save(update_fields=["profile_step"])


@transaction.atomic
def save_profile_about(*, enrolment: Enrolment, side: str, generation: str) -> Enrolment:
    enrolment = editable(enrolment)
    if side not in Side.values:
        raise ValueError(f"Unknown side: {side!r}")
    enrolment.side, enrolment.generation = side, generation.strip()
    enrolment.save(update_fields=["side", "generation"])
    mark_step_done(enrolment, "about")
    return enrolment


def check_kind(kind: str) -> None:
    if kind not in TopicKind.values:
        raise ValueError(f"Unknown kind: {kind!r}")


@transaction.atomic
def add_profile_topic(
    *, enrolment: Enrolment, topic: Topic, kind: str, level: int = 2
) -> ProfileTopic:
    """Add a catalogue topic to what the participant shares or wants to learn; adding it
    again keeps one row."""
    enrolment = editable(enrolment)
    check_kind(kind)
    if topic.organisation_id != enrolment.program.organisation_id or not topic.is_active:
        raise ValueError("Only active topics of the program's organisation can be chosen.")
    row, _created = ProfileTopic.objects.get_or_create(
        enrolment=enrolment, topic=topic, kind=kind, defaults={"level": level}
    )
    return row


@transaction.atomic
def save_profile_topics(
    *,
    enrolment: Enrolment,
    kind: str,
    levels: Mapping[int, int],
    removed: Iterable[int] = (),
    other: str = "",
) -> Enrolment:
    """Set the level of chosen topics (by topic id), drop the removed ones and keep the
    participant's own words; rows not mentioned stay as they are."""
    enrolment = editable(enrolment)
    check_kind(kind)
    rows = ProfileTopic.objects.filter(enrolment=enrolment, kind=kind)
    rows.filter(topic_id__in=list(removed)).delete()
    for row in rows:
        level = levels.get(row.topic_id)
        if level in (1, 2, 3) and level != row.level:
            row.level = level
            row.save(update_fields=["level"])
    attribute = "share_other" if kind == TopicKind.SHARE else "want_other"
    setattr(enrolment, attribute, other.strip())
    enrolment.save(update_fields=[attribute])
    mark_step_done(enrolment, "share" if kind == TopicKind.SHARE else "learn")
    return enrolment


@transaction.atomic
def save_profile_practical(
    *, enrolment: Enrolment, languages: Iterable[str], availability: str
) -> Enrolment:
    enrolment = editable(enrolment)
    enrolment.languages = sorted(set(languages))
    enrolment.availability = availability.strip()
    enrolment.save(update_fields=["languages", "availability"])
    mark_step_done(enrolment, "practical")
    return enrolment


@transaction.atomic
def save_profile_wishes(
    *, enrolment: Enrolment, wishes: Iterable[Enrolment], blocks: Iterable[Enrolment]
) -> Enrolment:
    """Up to three people one would like as a partner, and any one would rather not have;
    only other people in the same program, and nobody in both lists."""
    enrolment = editable(enrolment)
    wish_list = [w for w in wishes if w.program_id == enrolment.program_id and w.pk != enrolment.pk]
    block_list = [
        b for b in blocks if b.program_id == enrolment.program_id and b.pk != enrolment.pk
    ]
    if len(wish_list) > MAX_WISHES:
        raise ValueError(f"At most {MAX_WISHES} wishes.")
    if {w.pk for w in wish_list} & {b.pk for b in block_list}:
        raise ValueError("A person cannot be both a wish and a block.")
    enrolment.wishes.set(wish_list)
    enrolment.blocks.set(block_list)
    mark_step_done(enrolment, "wishes")
    return enrolment


@transaction.atomic
def acknowledge_charter(*, enrolment: Enrolment) -> Enrolment:
    enrolment = editable(enrolment)
    if enrolment.charter_acknowledged_at is None:
        enrolment.charter_acknowledged_at = timezone.now()
        enrolment.save(update_fields=["charter_acknowledged_at"])
    mark_step_done(enrolment, "charter")
    return enrolment
