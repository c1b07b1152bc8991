"""Reads for programs, topics and enrolments."""

from __future__ import annotations

import difflib
import unicodedata
from typing import Any

from django.db.models import Count, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value

from gensidig.accounts.models import Member
from gensidig.programs.models import (
    PROFILE_STEPS,
    Direction,
    Enrolment,
    EnrolmentStatus,
    ProfileTopic,
    Program,
    Side,
    Topic,
    TopicKind,
)

# Enrolments that count as taking part (an invitation not yet accepted does not).
LIVE = (EnrolmentStatus.INVITED, EnrolmentStatus.ENROLLED)


def catalogue(organisation_id: int, *, include_inactive: bool = False) -> QuerySet[Topic]:
    topics = Topic.objects.filter(organisation_id=organisation_id).select_related("merged_into")
    if not include_inactive:
        topics = topics.filter(retired=False, merged_into=None)
    return topics.annotate(uses=Count("profile_topics", distinct=True)).order_by("name_da")


def active_topics(organisation_id: int, *, directions: tuple[str, ...] = ()) -> QuerySet[Topic]:
    topics = Topic.objects.filter(organisation_id=organisation_id, retired=False, merged_into=None)
    if directions:
        topics = topics.filter(direction__in=directions)
    return topics.order_by("name_da")


def themes_for(direction: str) -> tuple[str, ...]:
    """The catalogue directions that fit a program theme of `direction`."""
    return (direction, Direction.BOTH)


def fold(text: str) -> str:
    """Lower case without accents, so 'ai-vaerktoejer' and 'AI-værktøjer' come close."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).strip()


def search_topics(organisation_id: int, query: str) -> list[Topic]:
    """Active topics whose Danish or English name contains the query."""
    topics = active_topics(organisation_id)
    query = query.strip()
    if not query:
        return list(topics)
    return list(topics.filter(Q(name_da__icontains=query) | Q(name_en__icontains=query)))


def suggest_topics(organisation_id: int, text: str, *, limit: int = 3) -> list[Topic]:
    """Catalogue topics that free text probably means, best first: each line or comma-separated
    phrase is compared with both names of every active topic."""
    phrases = [fold(p) for chunk in text.splitlines() for p in chunk.split(",") if fold(p)]
    if not phrases:
        return []
    scored: list[tuple[float, str, Topic]] = []
    for topic in active_topics(organisation_id):
        best = 0.0
        for name in (fold(topic.name_da), fold(topic.name_en)):
            for phrase in phrases:
                ratio = difflib.SequenceMatcher(None, phrase, name).ratio()
                words = set(phrase.split())
                if words & set(name.split()) - {"og", "and", "the", "i", "of", "at", "to"}:
                    ratio = max(ratio, 0.6)
                if phrase in name or name in phrase:
                    ratio = max(ratio, 0.8)
                best = max(best, ratio)
        if best >= 0.55:
            scored.append((best, topic.name_da, topic))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [topic for _score, _name, topic in scored[:limit]]


def programs_for(member: Member) -> QuerySet[Program]:
    """Admins see every program of the organisation; a participant the ones they are
    invited to or enrolled in."""
    programs = Program.objects.filter(organisation_id=member.organisation_id)
    if not member.is_manager_role:
        # A subquery, so that the count below still sees everyone's enrolments.
        own = Enrolment.objects.filter(member=member, status__in=LIVE)
        programs = programs.filter(pk__in=own.values("program_id"))
    mine = Enrolment.objects.filter(program=OuterRef("pk"), member=member)
    # Counted by a subquery on the index (program, status), not by joining and grouping
    # every enrolment of the organisation (4 ms of the overview with 10,000 enrolled).
    enrolled = (
        Enrolment.objects.filter(program=OuterRef("pk"), status=EnrolmentStatus.ENROLLED)
        .order_by()
        .annotate(n=Func(Value(1), function="COUNT"))
        .values("n")
    )
    return programs.annotate(
        enrolled=Subquery(enrolled, output_field=IntegerField()),
        own_status=Subquery(mine.values("status")[:1]),
        own_step=Subquery(mine.values("profile_step")[:1]),
        own_acknowledged=Subquery(mine.values("charter_acknowledged_at")[:1]),
        steps_total=Value(len(PROFILE_STEPS), output_field=IntegerField()),
    ).order_by("-starts_on", "name")


def program_of(member: Member, program_id: int) -> Program | None:
    return (
        Program.objects.filter(organisation_id=member.organisation_id, pk=program_id)
        .select_related("sponsor__user", "organisation")
        .first()
    )


def enrolment_of(program: Program, member: Member) -> Enrolment | None:
    return Enrolment.objects.filter(program=program, member=member).first()


def enrolments_of(program: Program) -> QuerySet[Enrolment]:
    """The program's enrolments with their chosen topics (an import fills these in before
    the person has opened the wizard: the page shows them as waiting to be confirmed)."""
    from django.db.models import Prefetch

    from gensidig.programs.models import ProfileTopic

    return (
        Enrolment.objects.filter(program=program)
        .select_related("member__user")
        .prefetch_related(
            Prefetch(
                "topics",
                queryset=ProfileTopic.objects.select_related("topic").order_by("kind", "-level"),
            )
        )
        .order_by("status", "member__user__name", "invited_email")
    )


def find_enrolments(program: Program, *, search: str = "", status: str = "") -> QuerySet[Enrolment]:
    """The participants page's rows, searched by name or email and filtered by status in
    the database, for one page at a time."""
    found = enrolments_of(program)
    for word in search.split()[:5]:
        found = found.filter(
            Q(member__user__name__icontains=word)
            | Q(member__user__email__icontains=word)
            | Q(invited_email__icontains=word)
        )
    if status in EnrolmentStatus.values:
        found = found.filter(status=status)
    return found


def search_members(members: QuerySet[Member], search: str) -> QuerySet[Member]:
    for word in search.split()[:5]:
        members = members.filter(
            Q(user__name__icontains=word)
            | Q(user__email__icontains=word)
            | Q(department__icontains=word)
        )
    return members


def enrolment_counts(program: Program) -> dict[str, int]:
    """How many are invited, enrolled and withdrawn, the enrolled by side, and how many have
    completed their profile: counted in the database in one query."""
    enrolled = Q(status=EnrolmentStatus.ENROLLED)
    counts = Enrolment.objects.filter(program=program).aggregate(
        invited=Count("pk", filter=Q(status=EnrolmentStatus.INVITED)),
        enrolled=Count("pk", filter=enrolled),
        withdrawn=Count("pk", filter=Q(status=EnrolmentStatus.WITHDRAWN)),
        young=Count("pk", filter=enrolled & Q(side=Side.YOUNG)),
        experienced=Count("pk", filter=enrolled & Q(side=Side.EXPERIENCED)),
        complete=Count("pk", filter=enrolled & Q(charter_acknowledged_at__isnull=False)),
    )
    return {key: value or 0 for key, value in counts.items()}


def other_participants(enrolment: Enrolment) -> QuerySet[Enrolment]:
    """The people one may wish for or block: everyone else enrolled in the same program on
    the other side (or with no side yet). Only names: never anyone's profile."""
    others = (
        Enrolment.objects.filter(program_id=enrolment.program_id, status=EnrolmentStatus.ENROLLED)
        .exclude(pk=enrolment.pk)
        .exclude(member=None)
    )
    if enrolment.side in Side.values:
        others = others.exclude(side=enrolment.side)
    return others.select_related("member__user").order_by("member__user__name")


def profile_topics(enrolment: Enrolment, kind: str) -> QuerySet[ProfileTopic]:
    return (
        ProfileTopic.objects.filter(enrolment=enrolment, kind=kind)
        .select_related("topic")
        .order_by("-level", "topic__name_da")
    )


def members_to_invite(program: Program) -> QuerySet[Member]:
    """Active members of the organisation who are not invited or enrolled yet."""
    taken = Enrolment.objects.filter(program=program, status__in=LIVE).exclude(member=None)
    return (
        Member.objects.filter(organisation_id=program.organisation_id, is_active=True)
        .exclude(pk__in=taken.values("member_id"))
        .select_related("user")
        .order_by("user__name")
    )


def profiles_of_user(user_id: int) -> list[dict[str, Any]]:
    """A person's own program profiles, for the export of their data."""
    enrolments = (
        Enrolment.objects.filter(member__user_id=user_id)
        .select_related("program__organisation")
        .prefetch_related("topics__topic", "wishes__member__user", "blocks__member__user")
        .order_by("program__organisation__name", "program__name")
    )
    return [
        {
            "organisation": e.program.organisation.name,
            "program": e.program.name,
            "status": e.status,
            "side": e.side,
            "generation": e.generation,
            "shares": [
                {"topic": row.topic.name_en, "level": row.level}
                for row in e.topics.all()
                if row.kind == TopicKind.SHARE
            ],
            "wants_to_learn": [
                {"topic": row.topic.name_en, "level": row.level}
                for row in e.topics.all()
                if row.kind == TopicKind.WANT
            ],
            "shares_in_own_words": e.share_other,
            "wants_in_own_words": e.want_other,
            "languages": e.languages,
            "availability": e.availability,
            "wishes": [w.display_name for w in e.wishes.all()],
            "blocks": [b.display_name for b in e.blocks.all()],
            "charter_acknowledged": (
                e.charter_acknowledged_at.isoformat() if e.charter_acknowledged_at else None
            ),
        }
        for e in enrolments
    ]
