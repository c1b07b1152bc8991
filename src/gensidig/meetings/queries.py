"""Reads of a pair's life together, shared by views, tasks and the data export."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    FilteredRelation,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gensidig.accounts.models import Member
from gensidig.common.sql import InArray
from gensidig.matching.models import Pair
from gensidig.meetings.health import ORDER, Health, HealthState, pair_health
from gensidig.meetings.models import (
    Assessment,
    ClosingAnswer,
    Goal,
    Meeting,
    Reflection,
)
from gensidig.programs.models import Enrolment, Program, Side, Topic


def pairs_with(member: Member) -> QuerySet[Pair]:
    """The pairs this member is a partner in, in their organisation only."""
    # The member's pairs by two index look-ups (as partner a, as partner b), not an OR across
    # the two joins, which scanned every pair and enrolment (11-25 ms with 10,000 enrolled).
    own = Enrolment.objects.filter(member=member).values("pk")
    ids = (
        Pair.objects.filter(a__in=own)
        .values("pk")
        .union(Pair.objects.filter(b__in=own).values("pk"), all=True)
    )
    return Pair.objects.filter(
        InArray("pk", Subquery(ids)), program__organisation=member.organisation
    ).select_related(
        # Not the program's sponsor: no pair page, overview or pair action shows it, and its
        # two joins were a fifth of this query's planning time.
        "program__organisation",
        "a__member__user",
        "b__member__user",
        "proposal",
    )


def own_pair(member: Member, pair_id: int) -> tuple[Pair, Enrolment] | None:
    pair = pairs_with(member).filter(pk=pair_id).first()
    if pair is None:
        return None
    return pair, (pair.a if pair.a.member_id == member.pk else pair.b)


def managed_pair(member: Member, pair_id: int) -> Pair | None:
    """A pair of the organisation, for an admin who may see its status and dates only."""
    if not member.is_manager_role:
        return None
    return (
        Pair.objects.filter(pk=pair_id, program__organisation=member.organisation)
        .select_related("program__organisation", "a__member__user", "b__member__user")
        .first()
    )


@dataclass(frozen=True)
class PairStatus:
    pair: Pair
    health: Health
    last_met_at: datetime | None
    next_meeting: Meeting | None
    held: int

    @property
    def next_meeting_at(self) -> datetime | None:
        return self.next_meeting.starts_at if self.next_meeting else None


def status_of(
    pair: Pair, now: datetime | None = None, meetings: list[Meeting] | None = None
) -> PairStatus:
    """Health, last and next meeting of one pair, from its meetings (given, prefetched or
    looked up)."""
    now = now or timezone.now()
    if meetings is None:
        meetings = list(pair.meetings.all())
    held = [m for m in meetings if m.is_held(now)]
    ahead = sorted(
        (m for m in meetings if m.status != Meeting.Status.CANCELLED and m.starts_at > now),
        key=lambda m: m.starts_at,
    )
    confirmed_ahead = [m for m in ahead if m.status == Meeting.Status.CONFIRMED]
    # Health counts a meeting from its start (met_by): a pair in a meeting is meeting.
    last = max(
        (
            m.starts_at
            for m in meetings
            if m.status == Meeting.Status.CONFIRMED and m.starts_at <= now
        ),
        default=None,
    )
    health = pair_health(
        now=now,
        cadence_weeks=pair.program.cadence_weeks,
        started_at=pair.created_at,
        last_met_at=last,
        next_meeting_at=ahead[0].starts_at if ahead else None,
        ended_at=pair.ended_at,
    )
    return PairStatus(
        pair=pair,
        health=health,
        last_met_at=last,
        next_meeting=(confirmed_ahead or ahead)[0] if ahead else None,
        held=len(held),
    )


def met_by(now: datetime, prefix: str = "meetings__") -> Q:
    """A meeting the pair has met at by `now`, as health counts it: confirmed and begun (a
    pair in the middle of a meeting is meeting)."""
    return Q(**{f"{prefix}status": Meeting.Status.CONFIRMED, f"{prefix}starts_at__lte": now})


def ahead_of(now: datetime, prefix: str = "meetings__") -> Q:
    """A meeting still ahead at `now` that is not cancelled (proposed or confirmed)."""
    return Q(**{f"{prefix}starts_at__gt": now}) & ~Q(
        **{f"{prefix}status": Meeting.Status.CANCELLED}
    )


def with_meeting_dates(pairs: QuerySet[Pair], now: datetime) -> QuerySet[Pair]:
    """Each pair's last meeting met at (`met_by`), next meeting (any, and the next confirmed
    one), meetings held (confirmed and over) and the start its health is counted from,
    aggregated in the database."""
    held = Q(meetings__status=Meeting.Status.CONFIRMED, meetings__ends_at__lte=now)
    ahead = ahead_of(now)
    return pairs.annotate(
        last_met_at=Max("meetings__starts_at", filter=met_by(now)),
        next_meeting_at=Min("meetings__starts_at", filter=ahead),
        next_confirmed_at=Min(
            "meetings__starts_at", filter=ahead & Q(meetings__status=Meeting.Status.CONFIRMED)
        ),
        held=Count("meetings", filter=held),
    ).annotate(since=Coalesce("last_met_at", "created_at"))


def health_rules(cadence_weeks: int, now: datetime, booked: Q) -> list[tuple[Q, HealthState]]:
    """The rule of `health.pair_health` as conditions on a pair's `ended_at`, `since` (its
    last meeting met at, or its start) and `booked` (a meeting ahead): the first condition
    that holds gives the state, on track when none does. The one SQL form of the rule: the
    pairs page's list (`with_health`) and the counts that the pairs page and the insights
    dashboard show (`health_counts`) are both made from it."""
    cadence = timedelta(weeks=max(cadence_weeks, 1))
    return [
        (Q(ended_at__lte=now), HealthState.ENDED),
        (booked, HealthState.ON_TRACK),
        (Q(since__lte=now - 2 * cadence), HealthState.STALLED),
        (Q(since__lte=now - cadence), HealthState.OVERDUE),
        (Q(since__lte=now - cadence * 3 / 4), HealthState.DUE),
    ]


def health_case(rules: list[tuple[Q, HealthState]]) -> Case:
    return Case(
        *(When(rule, then=Value(str(state))) for rule, state in rules),
        default=Value(str(HealthState.ON_TRACK)),
        output_field=CharField(),
    )


def with_health(pairs: QuerySet[Pair], program: Program, now: datetime) -> QuerySet[Pair]:
    """`health` (the state) and `health_rank` (the order the admin reads in) computed in the
    database by `health_rules`, for the pairs of one program (one cadence)."""
    rules = health_rules(program.cadence_weeks, now, Q(next_meeting_at__isnull=False))
    return with_meeting_dates(pairs, now).annotate(
        health=health_case(rules),
        health_rank=Case(
            *(When(rule, then=Value(ORDER.index(state))) for rule, state in rules),
            default=Value(ORDER.index(HealthState.ON_TRACK)),
            output_field=IntegerField(),
        ),
    )


@dataclass(frozen=True)
class PairRow:
    """One row of the admin's pairs by health: dates only, never content."""

    pair: Pair
    health: Health
    last_met_at: datetime | None
    next_meeting_at: datetime | None
    held: int


def program_pairs(
    program: Program, now: datetime | None = None, *, search: str = "", health: str = ""
) -> QuerySet[Pair]:
    """The pairs of a program, the ones that need help first, with their health computed
    in the database; searched by a partner's name and filtered by health."""
    now = now or timezone.now()
    # Narrow rows (no joined partners): the aggregate groups by the pair's id alone; the
    # page's partners are read afterwards by `pair_rows`.
    pairs = with_health(Pair.objects.filter(program=program), program, now)
    for word in search.split()[:5]:
        pairs = pairs.filter(
            Q(a__member__user__name__icontains=word) | Q(b__member__user__name__icontains=word)
        )
    if health in HealthState.values:
        pairs = pairs.filter(health=health)  # type: ignore[misc]
    return pairs.order_by("health_rank", "since", "pk")  # type: ignore[misc]


def ranked_pairs(program: Program, now: datetime) -> list[tuple[int, str]]:
    """Every pair of the program (id, health), in the order of `program_pairs`, from one
    aggregation of the program's meetings (narrow rows: id and state). The admin's page
    counts the states and takes its page from this list instead of aggregating all
    meetings twice (once to count, once to sort: 2 x 75 ms with 57,000 meetings)."""
    pairs = with_health(Pair.objects.filter(program=program), program, now)
    rows = pairs.order_by("health_rank", "since", "pk").values_list("pk", "health")  # type: ignore[misc]
    return list(rows)


def pairs_by_ids(program: Program, ids: list[int], now: datetime) -> list[Pair]:
    """The pairs `ids` with their health and meeting dates (aggregated over their own
    meetings only), in the order of `ids`."""
    found = with_health(Pair.objects.filter(program=program, pk__in=ids), program, now)
    by_pk = {pair.pk: pair for pair in found}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def health_counts(program: Program, now: datetime | None = None) -> dict[str, int]:
    """How many of the program's pairs are in each health state at `now` (by
    `health_rules`), counted by the database in one query: per pair (inner query) the last
    meeting met at and the meetings ahead, the states by conditional counts over those.
    Only the meetings of the last two cadences and ahead are read: a pair whose last
    meeting is older is stalled whichever it was (it began before its first meeting), so
    the cost follows the program's pairs, not the length of its history."""
    now = now or timezone.now()
    cadence = timedelta(weeks=max(program.cadence_weeks, 1))
    recent = FilteredRelation("meetings", condition=Q(meetings__starts_at__gt=now - 2 * cadence))
    per_pair = (
        Pair.objects.filter(program=program)
        .annotate(recent=recent)
        .annotate(
            last_met_at=Max("recent__starts_at", filter=met_by(now, "recent__")),
            # Counted by a column of the start index (not the id), so that PostgreSQL can
            # answer from the index alone.
            ahead=Count("recent__starts_at", filter=ahead_of(now, "recent__")),
        )
        .annotate(since=Coalesce("last_met_at", "created_at"))
    )
    rules = health_rules(program.cadence_weeks, now, Q(ahead__gt=0))
    found = per_pair.annotate(health=health_case(rules)).aggregate(
        **{str(state): Count("pk", filter=Q(health=str(state))) for state in ORDER}
    )
    return {str(state): found[str(state)] for state in ORDER}


def pair_rows(pairs: Iterable[Pair], now: datetime | None = None) -> list[PairRow]:
    """The rows of one page of `program_pairs`, with each pair's partners (one query for
    the page), health and its reason."""
    now = now or timezone.now()
    page = list(pairs)
    full = Pair.objects.select_related("program", "a__member__user", "b__member__user").in_bulk(
        [pair.pk for pair in page]
    )
    rows = []
    for pair in page:
        shown = full[pair.pk]
        rows.append(
            PairRow(
                pair=shown,
                health=pair_health(
                    now=now,
                    cadence_weeks=shown.program.cadence_weeks,
                    started_at=pair.created_at,
                    last_met_at=pair.last_met_at,  # type: ignore[attr-defined]
                    next_meeting_at=pair.next_meeting_at,  # type: ignore[attr-defined]
                    ended_at=pair.ended_at,
                ),
                last_met_at=pair.last_met_at,  # type: ignore[attr-defined]
                next_meeting_at=pair.next_confirmed_at or pair.next_meeting_at,  # type: ignore[attr-defined]
                held=pair.held,  # type: ignore[attr-defined]
            )
        )
    return rows


def meetings_of(pair: Pair) -> QuerySet[Meeting]:
    return pair.meetings.select_related("proposed_by__member__user", "cancelled_by__member__user")


def goals_of(pair: Pair, learner: Enrolment) -> list[Goal]:
    return list(
        Goal.objects.filter(pair=pair, learner=learner)
        .select_related("topic")
        .prefetch_related("marks")
    )


def reflections_of(pair: Pair) -> QuerySet[Reflection]:
    return (
        Reflection.objects.filter(meeting__pair=pair)
        .select_related("author__member__user", "meeting")
        .prefetch_related("taught", "learned")
        .order_by("-meeting__starts_at", "author_id")
    )


class PairPage:
    """Everything a pair's home shows, read once (a fixed number of queries, however many
    meetings, goals and reflections the pair has): the meetings, the reflections and the
    topics each names, the goals with their marks, the self-assessments, the organisation's
    topics (names and the match's topics) and the program's themes."""

    def __init__(self, pair: Pair, now: datetime | None = None) -> None:
        self.pair = pair
        self.now = now or timezone.now()
        self.meetings = list(meetings_of(pair))
        self.reflections = list(reflections_of(pair).prefetch_related(None))
        by_pair = {"reflection__meeting__pair": pair}
        kind = CharField()
        taught = Reflection.taught.through.objects.filter(**by_pair).values_list(
            "reflection_id", "topic_id", Value("taught", output_field=kind)
        )
        learned = Reflection.learned.through.objects.filter(**by_pair).values_list(
            "reflection_id", "topic_id", Value("learned", output_field=kind)
        )
        self.reflection_topics: list[tuple[int, int, str]] = list(taught.union(learned, all=True))
        self.goals = list(
            Goal.objects.filter(pair=pair).select_related("topic").prefetch_related("marks")
        )
        self.assessments = list(Assessment.objects.filter(pair=pair))
        self.topics = {
            t.pk: t for t in Topic.objects.filter(organisation_id=pair.program.organisation_id)
        }
        program = pair.program
        young = Program.themes_young_to_experienced.through.objects.filter(
            program=program
        ).values_list("topic_id", Value(Side.YOUNG, output_field=kind))
        experienced = Program.themes_experienced_to_young.through.objects.filter(
            program=program
        ).values_list("topic_id", Value(Side.EXPERIENCED, output_field=kind))
        themes: dict[str, list[Topic]] = {Side.YOUNG: [], Side.EXPERIENCED: []}
        for topic_id, side in young.union(experienced, all=True):
            themes[side].append(self.topics[topic_id])
        # In the catalogue's order, as `program.themes_….all()` gives them.
        self.themes = {
            side: sorted(found, key=lambda t: (t.name_da, t.pk)) for side, found in themes.items()
        }

    def goals_of(self, learner: Enrolment) -> list[Goal]:
        return [goal for goal in self.goals if goal.learner_id == learner.pk]

    def ledger(self, learner: Enrolment, teacher: Enrolment) -> list[dict[str, Any]]:
        """One direction of the learning ledger: each topic that moved, how often the
        learner said they learned it and how often the teacher said they taught it."""
        authors = {r.pk: r.author_id for r in self.reflections}
        learned: Counter[int] = Counter()
        taught: Counter[int] = Counter()
        for reflection_id, topic_id, kind in self.reflection_topics:
            author = authors.get(reflection_id)
            if kind == "learned" and author == learner.pk:
                learned[topic_id] += 1
            elif kind == "taught" and author == teacher.pk:
                taught[topic_id] += 1
        rows = [
            {"topic": self.topics[pk].name, "learned": learned[pk], "taught": taught[pk]}
            for pk in {*learned, *taught}
        ]
        return sorted(rows, key=lambda row: (-(row["learned"] + row["taught"]), row["topic"]))

    def assessments_of(self, learner: Enrolment) -> list[dict[str, Any]]:
        """The learner's own rating of each goal topic, before and after."""
        rows: dict[int, dict[str, Any]] = {}
        for row in self.assessments:
            if row.learner_id != learner.pk:
                continue
            topic = self.topics[row.topic_id]
            entry = rows.setdefault(row.topic_id, {"topic": topic.name, "pre": None, "post": None})
            entry[row.phase] = row.level
        return sorted(rows.values(), key=lambda entry: entry["topic"])

    def guide_topics(self, teacher: Enrolment, learner: Enrolment) -> list[Topic]:
        """What the teacher could teach, best first: the learner's goals, then what the
        match said the teacher can teach, then the program's themes for that direction."""
        pair = self.pair
        found: list[Topic] = [g.topic for g in self.goals_of(learner) if g.topic is not None]
        if pair.proposal is not None:
            slugs = (
                pair.proposal.teaches_a_to_b
                if teacher.pk == pair.a_id
                else pair.proposal.teaches_b_to_a
            )
            by_slug = {t.slug: t for t in self.topics.values()}
            found += [by_slug[s] for s in slugs if s in by_slug]
        found += self.themes[side_of(pair, teacher)]
        unique: list[Topic] = []
        for topic in found:
            if topic.pk not in {t.pk for t in unique}:
                unique.append(topic)
        return unique

    def conversation_guide(self, mine: Enrolment, held: int) -> list[dict[str, Any]]:
        """Two prompts per direction for the coming meeting, turning with each meeting
        held so that the guide moves through the pair's topics."""
        pair = self.pair
        partner = pair.b if mine.pk == pair.a_id else pair.a
        sections = []
        for teacher, learner in ((mine, partner), (partner, mine)):
            topics = self.guide_topics(teacher, learner)
            prompts = PROMPTS[Side(side_of(pair, teacher))]
            lines = []
            for offset in range(2):
                if not topics:
                    break
                topic = topics[(held + offset) % len(topics)]
                prompt = prompts[(held + offset) % len(prompts)]
                lines.append(str(prompt) % {"topic": topic.name})
            sections.append({"teacher": teacher, "learner": learner, "prompts": lines})
        return sections


def ledger(pair: Pair, learner: Enrolment, teacher: Enrolment) -> list[dict[str, Any]]:
    return PairPage(pair).ledger(learner, teacher)


# Seeded prompts for the conversation guide, by the side that teaches. %(topic)s is one of the
# pair's topics or the program's themes for that direction. It opens each sentence, so any
# topic name (capitalised or not, TikTok or Strategi) reads naturally in both languages.
PROMPTS = {
    Side.YOUNG: [
        _("%(topic)s: show me how you would find out what our young customers think of it."),
        _("%(topic)s: show me on your own phone how you use it in a normal week."),
        _("%(topic)s: what would you try first if you had my job?"),
        _("%(topic)s: what do people your age get wrong about it, and what do we get wrong?"),
    ],
    Side.EXPERIENCED: [
        _("%(topic)s: tell me about a decision in the company's history that still shapes it."),
        _("%(topic)s: what do you wish you had known when you started?"),
        _("%(topic)s: tell me about a customer who taught you something about it."),
        _("%(topic)s: which mistake would you help me avoid?"),
    ],
}
CLOSING_PROMPT = _("Before you part: agree on one thing each of you will try before next time.")


def side_of(pair: Pair, enrolment: Enrolment) -> str:
    """The side an enrolment teaches from; in reverse mode `a` is young, `b` experienced."""
    if enrolment.side in (Side.YOUNG, Side.EXPERIENCED):
        return enrolment.side
    return Side.YOUNG if enrolment.pk == pair.a_id else Side.EXPERIENCED


def conversation_guide(pair: Pair, mine: Enrolment, held: int) -> list[dict[str, Any]]:
    return PairPage(pair).conversation_guide(mine, held)


def pair_topics(pair: Pair) -> QuerySet[Topic]:
    return Topic.objects.filter(
        organisation=pair.program.organisation, retired=False, merged_into=None
    ).order_by("name_da")


def feed_meetings(member: Member) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(Q(pair__a__member=member) | Q(pair__b__member=member))
        .exclude(status=Meeting.Status.PROPOSED)
        .select_related("pair__a__member__user", "pair__b__member__user")
        .order_by("starts_at")
    )


def personal_data_of_user(user_id: int) -> dict[str, Any]:
    """A person's own meetings, goals, reflections (with their own private notes only),
    self-assessments and closing answers, for the export of their data."""
    mine = Q(a__member__user_id=user_id) | Q(b__member__user_id=user_id)
    pairs = Pair.objects.filter(mine).select_related(
        "program", "a__member__user", "b__member__user"
    )
    result = []
    for pair in pairs:
        me = pair.a if pair.a.member and pair.a.member.user_id == user_id else pair.b
        result.append(
            {
                "program": pair.program.name,
                "partner": (pair.b if me.pk == pair.a_id else pair.a).display_name,
                "began": pair.created_at.isoformat(),
                "ended": pair.ended_at.isoformat() if pair.ended_at else None,
                "meetings": [
                    {
                        "starts": m.starts_at.isoformat(),
                        "minutes": m.minutes,
                        "place": m.place,
                        "video_link": m.video_url,
                        "status": m.status,
                        "cancelled_by_me": m.cancelled_by_id == me.pk,
                    }
                    for m in pair.meetings.order_by("starts_at")
                ],
                "goals": [
                    {
                        "goal": g.text,
                        "progress": [
                            {"at": mark.created_at.isoformat(), "progress": mark.progress}
                            for mark in g.marks.all()
                        ],
                    }
                    for g in Goal.objects.filter(pair=pair, learner=me).prefetch_related("marks")
                ],
                "reflections": [
                    {
                        "meeting": r.meeting.starts_at.isoformat(),
                        "taught": [t.name_en for t in r.taught.all()],
                        "learned": [t.name_en for t in r.learned.all()],
                        "learned_in_a_sentence": r.learned_text,
                        "usefulness": r.usefulness,
                        "private_notes": r.private_notes,
                    }
                    for r in reflections_of(pair).filter(author=me)
                ],
                "self_assessments": [
                    {"topic": a.topic.name_en, "phase": a.phase, "level": a.level}
                    for a in Assessment.objects.filter(pair=pair, learner=me).select_related(
                        "topic"
                    )
                ],
                "closing": [
                    {
                        "what_changed": c.what_changed,
                        "again": c.again,
                        "organisation_gain": c.organisation_gain,
                    }
                    for c in ClosingAnswer.objects.filter(pair=pair, author=me)
                ],
            }
        )
    return {"pairs": result}
