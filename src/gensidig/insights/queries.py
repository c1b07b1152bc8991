"""Every figure of a program's dashboard, counted by the database: each table is one or a
few aggregate queries (GROUP BY, conditional counts) that return only the rows the table
shows, so the web process never reads a row per meeting, reflection or person, and the
number of queries does not grow with the program. Pair health week by week is read from the
daily snapshots (insights.snapshots); today's health is computed live. Figures over too few
people are withheld by the rule in suppress.py; each figure says whether it is shown."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Least
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from gensidig.accounts.models import Member
from gensidig.discoveries.models import Discovery, Stage, StageChange
from gensidig.insights import tallies
from gensidig.insights.models import HealthSnapshot, PulseAnswer, PulseInvite
from gensidig.insights.pulses import POINTS, QUESTIONS, net_promoter_score
from gensidig.insights.series import NOT_BEGUN, STATES, points
from gensidig.insights.suppress import (
    Breakdown,
    Cell,
    Figure,
    effective_threshold,
    shown_figure,
    suppress,
    suppress_linked,
)
from gensidig.matching.models import Pair, Proposal
from gensidig.meetings.health import HealthState
from gensidig.meetings.models import GoalMark, Meeting, Reflection
from gensidig.meetings.queries import health_counts
from gensidig.programs.models import Enrolment, EnrolmentStatus, Program, Side, Topic


class Tallied:
    """A program's tallies (insights.tallies) by figure, side and key."""

    def __init__(self, cells: dict[tallies.Cell, tallies.Vector]) -> None:
        self.cells = cells

    def __call__(self, figure: str, side: str = "", key: str = "") -> Counted:
        return Counted(*self.cells.get((figure, side, key), tallies.ZERO))

    def cells_of(self, figure: str) -> dict[tuple[str, str], Counted]:
        """(side, key) -> the cell, for one figure."""
        return {
            (side, key): Counted(*vector)
            for (found, side, key), vector in self.cells.items()
            if found == figure
        }


class Counted(NamedTuple):
    n: int
    people: int
    before: int
    after: int


def min_group() -> int:
    return effective_threshold(getattr(settings, "GENSIDIG_MIN_GROUP", 5))


def may_see(member: Member, program: Program) -> bool:
    """Administrators of the organisation and the program's sponsor; never other participants."""
    return member.is_manager_role or program.sponsor_id == member.pk


@dataclass
class Row:
    label: str
    value: Any
    people: int
    shown: bool = True
    # The figure's name across the page's tables (the same key is the same figure), and
    # whether it is known from elsewhere anyway; see suppress.suppress_linked.
    key: str = ""
    fixed: bool = False


@dataclass
class Table:
    """One breakdown: rows, an optional total, and whether figures were withheld."""

    key: str
    title: str
    rows: list[Row]
    total: Row | None = None
    unit: str = ""
    # For a breakdown, the total its rows split (shown as `total` when it has a label).
    split: Row | None = None

    @property
    def withheld(self) -> bool:
        return any(not row.shown for row in self.rows) or (
            self.total is not None and not self.total.shown
        )

    @property
    def biggest(self) -> int:
        values = [r.value for r in self.rows if r.shown and isinstance(r.value, int)]
        return max(values, default=0)


def breakdown(
    key: str,
    title: str,
    rows: list[tuple[str, int, int]],
    *,
    total_label: str | None = None,
    total_people: int | None = None,
    unit: str = "",
    keys: dict[int, str] | None = None,
    fixed: frozenset[int] = frozenset(),
    total_key: str | None = None,
    total_fixed: bool = False,
) -> Table:
    """A table from (label, value, people) rows that split a total; the suppression rule
    decides what is shown. `keys` names cells (by position) that other tables show too,
    `fixed` those known from elsewhere; `total_key` and `total_fixed` the same for the
    total. `link` then decides for all tables of a page together."""
    k = min_group()
    people = sum(r[2] for r in rows) if total_people is None else total_people
    shown = suppress(
        [Cell(value=r[1], people=r[2]) for r in rows], total_people=people, threshold=k
    )
    keys = keys or {}
    table_rows = [
        Row(
            label=label,
            value=value,
            people=n,
            shown=ok,
            key=keys.get(i, f"{key}.{i}"),
            fixed=i in fixed,
        )
        for i, ((label, value, n), ok) in enumerate(zip(rows, shown.cells, strict=True))
    ]
    total = Row(
        total_label or "",
        sum(r[1] for r in rows),
        people,
        shown.total,
        key=total_key or f"{key}.total",
        fixed=total_fixed,
    )
    return Table(
        key=key,
        title=title,
        rows=table_rows,
        total=total if total_label is not None else None,
        unit=unit,
        split=total,
    )


def link(tables: list[Table]) -> set[str]:
    """Decide what is shown in all breakdowns of a page together (suppress_linked), so that
    figures from different tables cannot be combined to give away a small group. Returns
    the keys withheld."""
    breakdowns = [
        Breakdown(
            total=Figure(table.split.key, table.split.people, table.split.fixed),
            cells=tuple(Figure(row.key, row.people, row.fixed) for row in table.rows),
        )
        for table in tables
        if table.split is not None
    ]
    hidden = suppress_linked(breakdowns, threshold=min_group())
    for table in tables:
        if table.split is None:
            continue
        for row in table.rows:
            row.shown = row.key not in hidden
        table.split.shown = table.split.key not in hidden
        if table.total is not None:
            table.total.shown = table.split.shown
    return hidden


def listing(key: str, title: str, rows: list[tuple[str, Any, int]], unit: str = "") -> Table:
    """Rows that do not add up to a total (a person can be in several): each is shown on its
    own when enough people stand behind it."""
    k = min_group()
    return Table(
        key=key,
        title=title,
        rows=[Row(label, value, n, shown_figure(n, threshold=k)) for label, value, n in rows],
        unit=unit,
    )


@dataclass
class Series:
    """A breakdown at each of several points in time: `points` are breakdowns with the same
    rows (the `columns`), each titled with its date."""

    key: str
    title: str
    columns: list[str]
    points: list[Table]
    unit: str = ""

    @property
    def withheld(self) -> bool:
        return any(point.withheld for point in self.points)


@dataclass
class Dashboard:
    program: Program
    threshold: int
    tables: list[Table] = field(default_factory=list)
    figures: dict[str, Row] = field(default_factory=dict)
    comparison: list[Comparison] = field(default_factory=list)
    series: Series | None = None

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


SIDE_LABELS = {Side.YOUNG: _("young"), Side.EXPERIENCED: _("experienced")}
DIRECTION_LABELS = {
    # The side of the learner names the direction the learning went.
    Side.EXPERIENCED: _("young → experienced"),
    Side.YOUNG: _("experienced → young"),
}


SIDES = (Side.YOUNG, Side.EXPERIENCED)


def enrolment_tables(program: Program, tallied: Tallied) -> list[Table]:
    tally = Enrolment.objects.filter(program=program).aggregate(
        invited=Count("pk", filter=Q(status=EnrolmentStatus.INVITED)),
        enrolled=Count("pk", filter=Q(status=EnrolmentStatus.ENROLLED)),
        withdrawn=Count("pk", filter=Q(status=EnrolmentStatus.WITHDRAWN)),
    )
    # Anyone of the program who is or was a partner, whatever their status now (a tally).
    matched = tallied(tallies.MATCHED).people
    proposals = dict(
        Proposal.objects.filter(program=program)
        .exclude(status=Proposal.Status.SUPERSEDED)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    reasons = list(
        Proposal.objects.filter(program=program, status=Proposal.Status.DECLINED)
        .values_list("decline_reason")
        .annotate(n=Count("pk"))
        .values_list("decline_reason", "n")
        .order_by("-n", "decline_reason")
    )
    invited, enrolled = tally["invited"], tally["enrolled"]
    withdrawn = tally["withdrawn"]
    unmatched = max(enrolled - matched, 0)
    # One breakdown, not two: a separate "enrolled" figure would give away a withheld cell
    # by subtraction from the total.
    enrolment = breakdown(
        "enrolment",
        str(_("Enrolment and matching")),
        [
            (str(_("Invited, not yet enrolled")), invited, invited),
            (str(_("Withdrawn")), withdrawn, withdrawn),
            (str(_("Enrolled, in a pair")), matched, matched),
            (str(_("Enrolled, not in a pair")), unmatched, unmatched),
        ],
        total_label=str(_("Invited in all")),
        # The number of pairs, shown in other tables, gives away how many are in a pair.
        fixed=frozenset({2}),
    )
    answered = [
        (str(_("Accepted by both")), Proposal.Status.ACCEPTED),
        (str(_("Declined")), Proposal.Status.DECLINED),
        (str(_("Waiting for answers")), Proposal.Status.PUBLISHED),
        (str(_("Contested")), Proposal.Status.CONTESTED),
    ]
    answers = breakdown(
        "proposals",
        str(_("Proposals and answers")),
        [(label, proposals.get(s, 0), 2 * proposals.get(s, 0)) for label, s in answered],
        total_label=str(_("Proposals published")),
        unit=str(_("proposals")),
        # Accepted proposals are the pairs, shown elsewhere; the declined ones are the
        # total that the next table splits by reason.
        fixed=frozenset({0}),
        keys={1: "declined"},
    )
    return [enrolment, answers, decline_table(reasons)]


def decline_table(reasons: list[tuple[str, int]]) -> Table:
    """Declines by reason. A reason is free text that a person wrote: it is printed only
    when enough people gave it; the rest are counted together under a label that quotes
    nobody (and that count is withheld in turn if it is too small)."""
    k = min_group()
    quoted: list[tuple[str, int, int]] = []
    unquoted = 0
    for reason, n in reasons:
        if shown_figure(2 * n, threshold=k):
            quoted.append(((reason.strip() or str(_("No reason given"))), n, 2 * n))
        else:
            unquoted += n
    if unquoted:
        quoted.append((str(_("Reasons given by too few people to quote")), unquoted, 2 * unquoted))
    return breakdown(
        "declines",
        str(_("Why proposals were declined")),
        quoted,
        total_label=str(_("Declined")),
        unit=str(_("proposals")),
        total_key="declined",
    )


def held(program: Program, now: datetime, tallied: Tallied | None = None) -> int:
    """The program's meetings held by `now` (confirmed and begun, `met_by`): its confirmed
    meetings (a tally) less those still ahead (few: at most the ones booked)."""
    tallied = tallied or Tallied(tallies.read(program))
    ahead = Meeting.objects.filter(
        pair__program=program, status=Meeting.Status.CONFIRMED, starts_at__gt=now
    ).count()
    return tallied(tallies.CONFIRMED).n - ahead


def expected_meetings(program: Program, now: datetime) -> float:
    """Meetings the program's rhythm asked for by `now`: per pair, the cadences from its
    start to its end (or `now`), summed by the database."""
    until = Least(Coalesce(F("ended_at"), Value(now)), Value(now))
    total = (
        Pair.objects.filter(program=program, created_at__lte=now)
        .annotate(span=ExpressionWrapper(until - F("created_at"), output_field=DurationField()))
        .aggregate(total=Sum("span", filter=Q(span__gt=timedelta(0))))["total"]
    )
    if not total:
        return 0.0
    return total / timedelta(weeks=max(program.cadence_weeks, 1))


def health_tables(
    program: Program, now: datetime, counts: dict[str, int], tallied: Tallied
) -> tuple[Table, Row]:
    """Pair health now (`counts`, by meetings.queries.health_counts), and the meetings
    held against the cadence. A meeting counts as held once it has begun."""
    health = breakdown(
        "health",
        str(_("Pair health")),
        [(str(state.label), counts[state], 2 * counts[state]) for state in HealthState],
        total_label=str(_("Pairs")),
        unit=str(_("pairs")),
        keys={i: f"health.{state}" for i, state in enumerate(HealthState)},
        total_key="pairs",
        total_fixed=True,
    )
    expected = expected_meetings(program, now)
    meetings = held(program, now, tallied)
    people = 2 * sum(counts.values())
    share = round(100 * meetings / expected) if expected else None
    cadence_row = Row(
        str(_("Meetings held against the rhythm")),
        {"held": meetings, "expected": int(expected), "share": share},
        people,
        shown_figure(people, threshold=min_group()) and share is not None,
    )
    return health, cadence_row


def health_over_time(program: Program, now: datetime, current: dict[str, int]) -> Series:
    """How many pairs were on track, due, overdue, stalled, ended or not begun yet at each
    week (or every few weeks) since the first pair began, read from the daily snapshots
    (insights.snapshots); the last point is now: `current`, the figures of the health table.
    Every pair is counted at every point: those a snapshot does not know had not begun. A
    week with no snapshot (before the daily run or the back-fill) is left out."""
    labels = {str(state): str(state.label) for state in HealthState}
    labels[NOT_BEGUN] = str(_("Not begun yet"))
    title = str(_("Pair health over time"))
    columns = [labels[s] for s in STATES]
    first = Pair.objects.filter(program=program).aggregate(first=Min("created_at"))["first"]
    if first is None:
        return Series("health_over_time", title, columns, [])
    moments = points(first, now)
    days = [timezone.localdate(moment) for moment in moments[:-1]]
    kept: dict[date, dict[str, int]] = defaultdict(dict)
    for day, state, pairs in HealthSnapshot.objects.filter(
        program=program, day__in=days
    ).values_list("day", "state", "pairs"):
        kept[day][state] = pairs
    total = sum(current.values())
    found = [(i, day, kept[day]) for i, day in enumerate(days) if day in kept]
    tables: list[Table] = []
    for i, day, count in found:
        when = formats.date_format(day, "SHORT_DATE_FORMAT")
        tables.append(health_point(len(tables), f"health@{i}", when, count, total))
    # The last point is now: the same figures as the current health, the same keys.
    tables.append(
        health_point(
            len(tables),
            "health",
            formats.date_format(timezone.localtime(now), "SHORT_DATE_FORMAT"),
            current,
            total,
        )
    )
    return Series("health_over_time", title, columns, tables, unit=str(_("pairs")))


def health_point(
    position: int, prefix: str, title: str, count: dict[str, int], total: int
) -> Table:
    """One point of the health series: its cells are named `prefix`.state across the page
    ("health" for now, which the current health table shows too)."""
    labels = {str(state): str(state.label) for state in HealthState}
    labels[NOT_BEGUN] = str(_("Not begun yet"))
    values: dict[str, int] = {state: count.get(state, 0) for state in HealthState}
    values[NOT_BEGUN] = max(total - sum(values.values()), 0)
    return breakdown(
        f"health_over_time.{position}",
        title,
        [(labels[state], values[state], 2 * values[state]) for state in STATES],
        total_label=str(_("Pairs")),
        unit=str(_("pairs")),
        keys={j: f"{prefix}.{state}" for j, state in enumerate(STATES)},
        total_key="pairs",
        total_fixed=True,
    )


def cancellation_table(tallied: Tallied) -> Table:
    by_side = {side: tallied(tallies.CANCELLATIONS, side) for side in SIDES}
    return breakdown(
        "cancellations",
        str(_("Meetings cancelled, by side")),
        [(str(SIDE_LABELS[side]), by_side[side].n, by_side[side].people) for side in SIDES],
        total_label=str(_("Cancelled")),
        # Each person has one side: the people behind all cancellations are those of each
        # side added up.
        total_people=sum(by_side[side].people for side in SIDES),
        unit=str(_("meetings")),
    )


def learning_tables(
    program: Program, tallied: Tallied, pairs: int
) -> tuple[list[Table], Row, Counter[str]]:
    """Topics learned per direction (counted by the topic's name, as shown, with the people
    who wrote each down), the two-way balance over the program's `pairs` and for the
    program; also the number learned per side, for the comparison. From the tallies, and
    one query for the topics' names."""
    english = (translation.get_language() or "da").startswith("en")
    learned = tallied.cells_of(tallies.LEARNED)
    names = {
        pk: (name_da, name_en)
        for pk, name_da, name_en in Topic.objects.filter(
            pk__in={int(key) for _side, key in learned}
        ).values_list("pk", "name_da", "name_en")
    }
    # Rows are by name: topics of the same name (in both languages) are one row.
    by_name: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for side, key in learned:
        by_name[(side, *names[int(key)])].append(int(key))
    people = shared_name_people(program, by_name)
    found = []
    for (side, name_da, name_en), topics in by_name.items():
        n = sum(learned[(side, str(topic))].n for topic in topics)
        who = people.get((side, name_da, name_en), learned[(side, str(topics[0]))].people)
        found.append((side, name_da, name_en, n, who))
    per_direction: dict[str, list[tuple[str, int, int]]] = {side: [] for side in SIDES}
    totals: Counter[str] = Counter()
    for side, name_da, name_en, n, who in sorted(found, key=lambda r: (-r[3], r[2], r[1])):
        name = (name_en or name_da) if english else (name_da or name_en)
        per_direction[side].append((name, n, who))
        totals[side] += n
    tables = [
        listing(
            f"learned_{side}",
            str(_("Topics learned %(direction)s")) % {"direction": DIRECTION_LABELS[side]},
            per_direction[side],
            unit=str(_("times")),
        )
        for side in (Side.EXPERIENCED, Side.YOUNG)
    ]
    buckets = balance_buckets(program, tallied, pairs)
    labels = {
        "none": _("No learning written down yet"),
        "one_way": _("One way only"),
        "uneven": _("Mostly one way"),
        "two_way": _("Both ways"),
    }
    tables.append(
        breakdown(
            "balance",
            str(_("Two-way balance over pairs")),
            [(str(label), buckets[key], 2 * buckets[key]) for key, label in labels.items()],
            total_label=str(_("Pairs")),
            unit=str(_("pairs")),
            total_key="pairs",
            total_fixed=True,
        )
    )
    balance = two_way_balance(totals[Side.YOUNG], totals[Side.EXPERIENCED])
    people_in = 2 * (sum(buckets.values()) - buckets["none"])
    figure = Row(
        str(_("Two-way balance")),
        balance,
        people_in,
        balance is not None and shown_figure(people_in, threshold=min_group()),
    )
    return tables, figure, totals


def shared_name_people(
    program: Program, by_name: dict[tuple[str, str, str], list[int]]
) -> dict[tuple[str, str, str], int]:
    """The people who learned topics that share one name (a row of several topics): one
    person may have learned more than one of them, so they are counted from the rows. None
    (no query) when every name is one topic's."""
    shared = [pk for topics in by_name.values() if len(topics) > 1 for pk in topics]
    if not shared:
        return {}
    return {
        (side, name_da, name_en): who
        for side, name_da, name_en, who in Reflection.learned.through.objects.filter(
            reflection__author__program=program,
            reflection__author__side__in=SIDES,
            topic__in=shared,
        )
        .order_by()
        .values_list("reflection__author__side", "topic__name_da", "topic__name_en")
        .annotate(who=Count("reflection__author", distinct=True))
        .values_list("reflection__author__side", "topic__name_da", "topic__name_en", "who")  # type: ignore[misc]
    }


def balance_buckets(
    program: Program, tallied: Tallied | None = None, pairs: int | None = None
) -> dict[str, int]:
    """How many of the program's pairs learned both ways, mostly one way, one way only or
    not yet (balance_bucket's rule): the tallies hold the first three; the rest of the
    `pairs` have not learned yet."""
    tallied = tallied or Tallied(tallies.read(program))
    if pairs is None:
        pairs = Pair.objects.filter(program=program).count()
    found = {key: tallied(tallies.BALANCE, "", key).n for key in ("one_way", "uneven", "two_way")}
    return {"none": pairs - sum(found.values()), **found}


two_way_balance = tallies.two_way_balance
balance_bucket = tallies.balance_bucket


GOAL_DIRECTIONS = (Side.EXPERIENCED, Side.YOUNG)


def goal_tables(tallied: Tallied) -> list[Table]:
    """Goals per direction by their latest mark (not started without one), each over the
    learners behind it, from the tallies."""
    return [
        breakdown(
            f"goals_{side}",
            str(_("Goals %(direction)s, by progress")) % {"direction": DIRECTION_LABELS[side]},
            [
                (
                    str(label),
                    tallied(tallies.GOALS, side, str(int(value))).n,
                    tallied(tallies.GOALS, side, str(int(value))).people,
                )
                for value, label in GoalMark.Progress.choices
            ],
            total_label=str(_("Goals")),
            total_people=tallied(tallies.GOAL_LEARNERS, side).people,
            unit=str(_("goals")),
        )
        for side in GOAL_DIRECTIONS
    ]


def assessment_table(tallied: Tallied) -> Table:
    """Self-assessment before and after, per direction, over the topics a learner rated
    both before and after (one rating per pair, learner, topic and phase), from the
    tallies."""
    rows = []
    for side in GOAL_DIRECTIONS:
        n, people, pre_sum, post_sum = tallied(tallies.ASSESSMENTS, side)
        value = (
            {
                "before": round(pre_sum / n, 1),
                "after": round(post_sum / n, 1),
                "change": round((post_sum - pre_sum) / n, 1),
            }
            if n
            else None
        )
        rows.append(
            Row(
                str(DIRECTION_LABELS[side]),
                value,
                people,
                value is not None and shown_figure(people, threshold=min_group()),
            )
        )
    return Table(key="assessments", title=str(_("Self-assessment before and after")), rows=rows)


def discovery_table(program: Program) -> tuple[Table, dict[str, Any]]:
    """Discoveries that came up in the program's pairs or were found by its participants
    since it began. They are on the organisation's board with their finders' names already,
    so these counts are shown as they are."""
    since = timezone.make_aware(datetime.combine(program.starts_on, datetime.min.time()))
    found = Discovery.objects.filter(
        Q(pair__program=program) | Q(found_by__enrolments__program=program, created_at__gte=since)
    ).distinct()
    ids = found.values("pk")
    tried = (
        StageChange.objects.filter(discovery__in=ids, to_stage=Stage.TRYING)
        .values("discovery")
        .distinct()
        .count()
    )
    sums = Discovery.objects.filter(pk__in=ids).aggregate(
        spotted=Count("pk"),
        adopted=Count("pk", filter=Q(stage=Stage.ADOPTED)),
        hours=Sum("hours_saved_per_month", filter=Q(stage=Stage.ADOPTED)),
        cost=Sum("cost_per_month", filter=Q(stage=Stage.ADOPTED)),
    )
    table = Table(
        key="discoveries",
        title=str(_("Discoveries")),
        rows=[
            Row(str(_("Spotted")), sums["spotted"], sums["spotted"]),
            Row(str(_("Tried")), tried, tried),
            Row(str(_("Adopted")), sums["adopted"], sums["adopted"]),
        ],
        unit=str(_("discoveries")),
    )
    effect = {"hours": sums["hours"] or Decimal(0), "cost": sums["cost"] or Decimal(0)}
    return table, effect


def pulse_table(program: Program) -> Table:
    """Each pulse question at each point: the mean answer, or for 'would recommend' the net
    promoter score; shown only when enough people answered."""
    found = {
        (point, question): (n, total, promoters, detractors)
        for point, question, n, total, promoters, detractors in PulseAnswer.objects.filter(
            program=program
        )
        .values_list("point", "question")
        .annotate(
            n=Count("pk"),
            total=Sum("value"),
            promoters=Count("pk", filter=Q(value__gte=9)),
            detractors=Count("pk", filter=Q(value__lte=6)),
        )
        .values_list("point", "question", "n", "total", "promoters", "detractors")
    }
    rows = []
    k = min_group()
    for point, when in POINTS.items():
        for question in QUESTIONS:
            if (point, question.key) not in found:
                continue
            n, total, promoters, detractors = found[(point, question.key)]
            if question.key == "recommend":
                label = str(_("Would recommend (NPS), %(when)s")) % {"when": when}
                value: Any = net_promoter_score(
                    promoters=promoters, detractors=detractors, answers=n
                )
            else:
                label = f"{question.text} {when}"
                value = round(total / n, 1)
            rows.append(Row(label, value, n, shown_figure(n, threshold=k)))
    return Table(key="pulses", title=str(_("Pulses")), rows=rows, unit=str(_("mean or score")))


@dataclass(frozen=True)
class Comparison:
    name: str
    current: bool
    pairs: int
    balance: float | None
    nps: int | None
    shown: bool
    nps_shown: bool


def visible_programs(viewer: Member | None, program: Program) -> QuerySet[Program]:
    """The organisation's programs (not drafts) that `viewer` may open a dashboard of:
    all for administrators, only those they sponsor for a sponsor (see may_see)."""
    programs = Program.objects.filter(organisation=program.organisation_id).exclude(state="draft")
    if viewer is not None and not viewer.is_manager_role:
        programs = programs.filter(Q(sponsor=viewer) | Q(pk=program.pk))
    return programs


def comparison(
    program: Program,
    viewer: Member | None = None,
    learned_here: Counter[str] | None = None,
    pairs_here: int | None = None,
) -> list[Comparison]:
    """The programs `viewer` may open, side by side: pairs, two-way balance and the
    recommend score over all their pulses; a program with too few people is withheld. The
    dashboard has counted this program's learning and pairs already (`learned_here`, per
    side, and `pairs_here`; both or neither)."""
    k = min_group()
    programs = list(
        visible_programs(viewer, program).order_by("starts_on", "pk").values_list("pk", "name")
    )
    ids = [pk for pk, _name in programs]
    others = [pk for pk in ids if pairs_here is None or pk != program.pk]
    pairs = dict(
        Pair.objects.filter(program__in=others)
        .values_list("program")
        .annotate(n=Count("pk"))
        .values_list("program", "n")
    )
    if pairs_here is not None:
        pairs[program.pk] = pairs_here
    learned: dict[int, Counter[str]] = defaultdict(Counter)
    for program_id, sides in tallies.learned_by_program(others).items():
        learned[program_id].update(sides)
    if learned_here is not None:
        learned[program.pk].update(learned_here)
    scores = {
        program_id: (n, promoters, detractors)
        for program_id, n, promoters, detractors in PulseAnswer.objects.filter(
            program__in=ids, question="recommend"
        )
        .values_list("program")
        .annotate(
            n=Count("pk"),
            promoters=Count("pk", filter=Q(value__gte=9)),
            detractors=Count("pk", filter=Q(value__lte=6)),
        )
        .values_list("program", "n", "promoters", "detractors")
    }
    rows = []
    for program_id, name in programs:
        n, promoters, detractors = scores.get(program_id, (0, 0, 0))
        count = pairs.get(program_id, 0)
        rows.append(
            Comparison(
                name=name,
                current=program_id == program.pk,
                pairs=count,
                balance=two_way_balance(
                    learned[program_id][Side.YOUNG], learned[program_id][Side.EXPERIENCED]
                ),
                nps=net_promoter_score(promoters=promoters, detractors=detractors, answers=n),
                shown=shown_figure(2 * count, threshold=k),
                nps_shown=shown_figure(n, threshold=k),
            )
        )
    return rows


def dashboard(
    program: Program, now: datetime | None = None, *, viewer: Member | None = None
) -> Dashboard:
    """Every table of the program's dashboard. `viewer` limits the side-by-side comparison
    to the programs they may open (None: all, as for the PDF an administrator asks for)."""
    now = now or timezone.now()
    board = Dashboard(program=program, threshold=min_group())
    tallied = Tallied(tallies.read(program))
    board.tables.extend(enrolment_tables(program, tallied))
    current = health_counts(program, now)
    health, cadence = health_tables(program, now, current, tallied)
    board.tables.append(health)
    board.figures["cadence"] = cadence
    board.series = health_over_time(program, now, current)
    board.tables.append(cancellation_table(tallied))
    # Every pair is in one health state: the counts add up to the program's pairs.
    learning, balance, learned = learning_tables(program, tallied, sum(current.values()))
    board.tables.extend(learning)
    board.figures["balance"] = balance
    board.tables.extend(goal_tables(tallied))
    board.tables.append(assessment_table(tallied))
    discoveries, effect = discovery_table(program)
    board.tables.append(discoveries)
    board.tables.append(pulse_table(program))
    board.comparison = comparison(program, viewer, learned, sum(current.values()))
    board.figures["effect"] = Row(str(_("Summed effect of what was adopted")), effect, 0)
    hidden = link([*board.tables, *board.series.points])
    # The number of pairs is in the side-by-side comparison too.
    board.comparison = [
        replace(row, shown=row.shown and "pairs" not in hidden) if row.current else row
        for row in board.comparison
    ]
    return board


def personal_data_of(user_id: int) -> dict[str, list[dict[str, Any]]]:
    """One person's own pulse answers, for their data export."""
    answers = (
        PulseAnswer.objects.filter(enrolment__member__user_id=user_id)
        .select_related("program")
        .order_by("created_at", "pk")
    )
    return {
        "pulse_answers": [
            {
                "program": answer.program.name,
                "point": answer.point,
                "question": answer.question,
                "answer": answer.value,
                "answered": answer.created_at.isoformat(),
            }
            for answer in answers
        ]
    }


def open_pulses(member: Member) -> list[PulseInvite]:
    """Pulses this member was asked and has not answered: shown on their overview, so the
    email is not the only way in."""
    return list(
        PulseInvite.objects.filter(
            enrolment__member=member, answered_at=None, program__organisation=member.organisation
        )
        .select_related("program")
        .order_by("sent_at")
    )
