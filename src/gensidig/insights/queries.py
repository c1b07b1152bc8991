"""Every figure of a program's dashboard, aggregated in the database: the number of queries
does not grow with the number of pairs. Figures over too few people are withheld by the rule
in suppress.py; each figure says whether it is shown."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connections
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Case,
    Count,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
    When,
)
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from gensidig.accounts.models import Member
from gensidig.discoveries.models import Discovery, Stage, StageChange
from gensidig.insights.models import PulseAnswer, PulseInvite
from gensidig.insights.pulses import POINTS, QUESTIONS, net_promoter_score
from gensidig.insights.series import (
    NONE,
    NOT_BEGUN,
    STATES,
    Meetings,
    Pairs,
    cadence_micros,
    count_states,
    current_states,
    from_micro,
    micro,
    points,
)
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
from gensidig.meetings.models import Assessment, Goal, GoalMark, Meeting, Reflection
from gensidig.programs.models import Enrolment, EnrolmentStatus, Program, Side, Topic


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


def enrolment_tables(program: Program, roster: People, found: History) -> list[Table]:
    own = roster.statuses != ELSEWHERE
    tally = np.bincount(roster.statuses[own] + 1, minlength=len(ENROLMENT_STATUSES) + 1)
    status = {s: int(tally[i + 1]) for i, s in enumerate(ENROLMENT_STATUSES)}
    matched = int(np.isin(roster.pks[own], found.partners).sum())
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
    invited = status.get(EnrolmentStatus.INVITED, 0)
    enrolled = status.get(EnrolmentStatus.ENROLLED, 0)
    withdrawn = status.get(EnrolmentStatus.WITHDRAWN, 0)
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
    declined = breakdown(
        "declines",
        str(_("Why proposals were declined")),
        [((reason.strip() or str(_("No reason given"))), n, 2 * n) for reason, n in reasons],
        total_label=str(_("Declined")),
        unit=str(_("proposals")),
        total_key="declined",
    )
    return [enrolment, answers, declined]


class Micros(Func):
    """A date and time as microseconds since 1970, computed by the database, so that a
    year of meetings is read as integers rather than parsed one by one."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Stored as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]": whole seconds, then the
        # microseconds as written (none when there are none).
        sql, params = compiler.compile(self.source_expressions[0])
        seconds = (
            f"unixepoch({sql})"
            if connection.Database.sqlite_version_info >= (3, 38)
            else f"CAST(strftime('%%s', {sql}) AS INTEGER)"
        )
        return (
            f"({seconds} * 1000000 + CAST(substr({sql}, 21, 6) AS INTEGER))",
            (*params, *params),
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(EXTRACT(EPOCH FROM {sql}) * 1000000)::bigint", params


class Joined(Aggregate):
    """Values joined by the database into one comma-separated text (NULLs left out)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, ',')",
            **extra,
        )


class Present(Func):
    """Which of the expressions are not NULL, as bits: 1 for the first, 2 for the second."""

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        parts, params = [], []
        for i, expression in enumerate(self.get_source_expressions()):
            sql, found = compiler.compile(expression)
            parts.append(f"CASE WHEN {sql} IS NULL THEN 0 ELSE {1 << i} END")
            params.extend(found)
        return "(" + " + ".join(parts) + ")", tuple(params)

    as_postgresql = as_sqlite


WIDTH = len("YYYY-MM-DD HH:MM:SS.ffffff")


def moments(text: str) -> np.ndarray:
    """Microseconds since 1970 from comma-separated dates and times as SQLite stores them
    (UTC, "YYYY-MM-DD HH:MM:SS" and ".ffffff" when there are microseconds). Read by numpy as
    a block of fixed-width bytes, never as Python strings one by one."""
    raw = np.frombuffer(text.encode() + b",", dtype=np.uint8)
    if len(raw) % (WIDTH + 1) == 0 and (raw[WIDTH :: WIDTH + 1] == ord(",")).all():
        block = raw.reshape(-1, WIDTH + 1)[:, :WIDTH]
    else:
        # Some without microseconds: each is given ".000000".
        ends = np.flatnonzero(raw == ord(","))
        starts = np.concatenate([[0], ends[:-1] + 1])
        lengths = ends - starts
        if not ((lengths == WIDTH) | (lengths == WIDTH - 7)).all():
            return np.array(text.split(","), dtype="datetime64[us]").view(np.int64)
        places = np.minimum(starts[:, None] + np.arange(WIDTH), len(raw) - 1)
        block = raw[places]
        block[lengths != WIDTH, WIDTH - 7 :] = np.frombuffer(b".000000", dtype=np.uint8)
    values = np.ascontiguousarray(block).view(f"S{WIDTH}").ravel()
    return values.astype("datetime64[us]").view(np.int64)


def columns(
    queryset: QuerySet[Any], nullable: Collection[str] = (), **expressions: Any
) -> dict[str, np.ndarray]:
    """Integer columns of a query as arrays, read as one row: the database joins each
    column into one comma-separated text, so tens of thousands of rows never become Python
    tuples (on a program with a year of meetings, that cost more than the rest of the
    dashboard). The aggregates of one query read the same rows in the same order, so the
    columns line up. A NULL is left out of the text: the columns named `nullable` come
    with a column of bits saying which are there, and read NULL as NONE. One query, however
    many rows."""
    sqlite = connections[queryset.db].vendor == "sqlite"
    prepared: dict[str, Any] = {
        name: F(expression) if isinstance(expression, str) else expression
        for name, expression in expressions.items()
    }
    # SQLite stores a date and time as text, which numpy reads faster than the database
    # turns it into a number.
    as_text = {name for name, e in prepared.items() if sqlite and isinstance(e, Micros)}
    aggregates = {
        name: Joined(*expression.get_source_expressions() if name in as_text else (expression,))
        for name, expression in prepared.items()
    }
    sparse = [name for name in expressions if name in nullable]
    if sparse:
        aggregates["present"] = Joined(Present(*(prepared[name] for name in sparse)))
    # Named apart from the fields, which an aggregate of the same name would hide.
    found = {
        name[1:]: text
        for name, text in queryset.order_by()
        .aggregate(**{f"_{name}": aggregate for name, aggregate in aggregates.items()})
        .items()
    }
    arrays = {
        name: np.zeros(0, dtype=np.int64)
        if not found[name]
        else moments(found[name])
        if name in as_text
        else np.fromstring(found[name], dtype=np.int64, sep=",")
        for name in aggregates
    }
    if sparse:
        present = arrays.pop("present")
        for bit, name in enumerate(sparse):
            there = (present >> bit) & 1 == 1
            if int(there.sum()) != len(arrays[name]):
                raise ValueError(f"column {name} does not line up")
            full = np.full(len(present), NONE, dtype=np.int64)
            full[there] = arrays[name]
            arrays[name] = full
    if len({len(array) for array in arrays.values()}) > 1:
        raise ValueError("columns of different lengths: a NULL in a column not `nullable`")
    return arrays


def code_of(value: str, values: Sequence[str]) -> int:
    """The position of `value` in `values` (-1 for any other), as `code` has it."""
    return values.index(value) if value in values else -1


def code(field: str, values: Sequence[str]) -> Case:
    """A text field as the position of its value in `values` (-1 for any other)."""
    return Case(
        *(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)),
        default=Value(-1),
        output_field=IntegerField(),
    )


SIDES = (Side.YOUNG, Side.EXPERIENCED)
ENROLMENT_STATUSES = tuple(EnrolmentStatus)
MEETING_STATUSES = (Meeting.Status.CONFIRMED, Meeting.Status.CANCELLED)


ELSEWHERE = -2  # the status of an enrolment in another program (People.index_of)


@dataclass
class People:
    """The program's enrolments (by pk, ascending) with their side and status as positions
    in SIDES and ENROLMENT_STATUSES, so that figures by side need no join."""

    pks: np.ndarray
    sides: np.ndarray
    statuses: np.ndarray

    def side_of(self, ids: np.ndarray) -> np.ndarray:
        """The side of each enrolment in `ids` (-1 for none of SIDES)."""
        return self.sides[self.index_of(ids)]

    def distinct(self, ids: np.ndarray) -> int:
        """How many different enrolments there are in `ids`."""
        return int(np.count_nonzero(np.bincount(self.index_of(ids), minlength=len(self.pks))))

    def index_of(self, ids: np.ndarray) -> np.ndarray:
        """The position of each enrolment in `ids`. Pairs, goals and reflections are the
        program's own enrolments'; any other is looked up, once."""
        missing = ids[~np.isin(ids, self.pks)]
        if len(missing):
            others = dict(
                Enrolment.objects.filter(pk__in=np.unique(missing).tolist()).values_list(
                    "pk", "side"
                )
            )
            pks = np.array(list(others), dtype=np.int64)
            sides = np.array([code_of(others[pk], SIDES) for pk in others], dtype=np.int64)
            order = np.argsort(np.concatenate([self.pks, pks]), kind="stable")
            self.pks = np.concatenate([self.pks, pks])[order]
            self.sides = np.concatenate([self.sides, sides])[order]
            statuses = np.full(len(pks), ELSEWHERE)
            self.statuses = np.concatenate([self.statuses, statuses])[order]
        return np.searchsorted(self.pks, ids)


def unique(values: np.ndarray, below: int | None = None) -> np.ndarray:
    """The distinct values, ascending, of non-negative integers: counted in an array when
    they are small (ids of a catalogue, positions), else sorted."""
    if below is None:
        below = int(values.max(initial=-1)) + 1
    if below <= 1 << 22:
        return np.flatnonzero(np.bincount(values, minlength=below))
    return np.unique(values)


def people(program: Program) -> People:
    found = columns(
        Enrolment.objects.filter(program=program),
        pk="pk",
        side=code("side", SIDES),
        status=code("status", ENROLMENT_STATUSES),
    )
    order = np.argsort(found["pk"], kind="stable")
    return People(
        pks=found["pk"][order], sides=found["side"][order], statuses=found["status"][order]
    )


@dataclass(frozen=True)
class History:
    """A program's pairs (by pk, ascending, with their two enrolments) and all their
    meetings (and who cancelled them), as arrays: what pair health now and over time and
    the cancellations are counted from, in two queries."""

    pks: np.ndarray
    partners: np.ndarray
    pairs: Pairs
    meetings: Meetings
    cancelled_by: np.ndarray


def meeting_columns(program: Program) -> dict[str, np.ndarray]:
    """Every meeting of the program as columns: its pair, start, when it was proposed, its
    status (a position in MEETING_STATUSES), when and by whom it was cancelled (NONE for
    none)."""
    return columns(
        Meeting.objects.filter(pair__program=program),
        nullable={"withdrawn", "cancelled_by"},
        pair="pair",
        starts=Micros("starts_at"),
        proposed=Micros("created_at"),
        status=code("status", MEETING_STATUSES),
        withdrawn=Micros("cancelled_at"),
        cancelled_by="cancelled_by",
    )


def history(program: Program) -> History:
    pairs = columns(
        Pair.objects.filter(program=program),
        nullable={"ended"},
        pk="pk",
        a="a",
        b="b",
        created=Micros("created_at"),
        ended=Micros("ended_at"),
    )
    order = np.argsort(pairs["pk"], kind="stable")
    pks = pairs["pk"][order]
    found = meeting_columns(program)
    return History(
        pks=pks,
        partners=np.concatenate([pairs["a"], pairs["b"]]),
        pairs=Pairs(created=pairs["created"][order], ended=pairs["ended"][order]),
        meetings=Meetings(
            pair=np.searchsorted(pks, found["pair"]),
            starts=found["starts"],
            created=found["proposed"],
            confirmed=found["status"] == 0,
            cancelled=found["status"] == 1,
            cancelled_at=found["withdrawn"],
        ),
        cancelled_by=found["cancelled_by"],
    )


def health_tables(program: Program, found: History, now: datetime) -> tuple[Table, Row]:
    """Pair health now, by the meetings app's rule (meetings.health.pair_health), and the
    meetings held against the cadence. A meeting counts as held once it has begun."""
    at = micro(now)
    current = current_states(found.pairs, found.meetings, at, cadence_weeks=program.cadence_weeks)
    tally = np.bincount(current.states, minlength=len(STATES))
    counts = {state: int(tally[STATES.index(state)]) for state in HealthState}
    cadence = cadence_micros(program.cadence_weeks)
    ended = found.pairs.ended
    until = np.where((ended != NONE) & (ended < at), ended, at)
    expected = 0.0
    # Added one by one, as the figure always was, so it is the same to the last digit.
    for share_of_cadence in ((until - found.pairs.created) / cadence).tolist():
        expected += max(share_of_cadence, 0)
    held = int(current.held.sum())
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
    people = 2 * len(found.pks)
    share = round(100 * held / expected) if expected else None
    cadence_row = Row(
        str(_("Meetings held against the rhythm")),
        {"held": held, "expected": int(expected), "share": share},
        people,
        shown_figure(people, threshold=min_group()) and share is not None,
    )
    return health, cadence_row


def health_over_time(program: Program, found: History, now: datetime) -> Series:
    """How many pairs were on track, due, overdue, stalled or ended at each week (or every
    few weeks) since the first pair began, from the meetings' history."""
    labels = {str(state): str(state.label) for state in HealthState}
    labels[NOT_BEGUN] = str(_("Not begun yet"))
    title = str(_("Pair health over time"))
    if not len(found.pks):
        return Series("health_over_time", title, [labels[s] for s in STATES], [])
    moments = points(from_micro(int(found.pairs.created.min())), now)
    counts = count_states(
        found.pairs,
        found.meetings,
        [micro(moment) for moment in moments],
        cadence_weeks=program.cadence_weeks,
    )
    tables = []
    for i, (moment, count) in enumerate(zip(moments, counts, strict=True)):
        # The last point is now: the same figures as the current health, the same keys.
        prefix = "health" if moment == now else f"health@{i}"
        tables.append(
            breakdown(
                f"health_over_time.{i}",
                formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT"),
                [(labels[state], count[state], 2 * count[state]) for state in STATES],
                total_label=str(_("Pairs")),
                unit=str(_("pairs")),
                keys={j: f"{prefix}.{state}" for j, state in enumerate(STATES)},
                total_key="pairs",
                total_fixed=True,
            )
        )
    return Series(
        "health_over_time", title, [labels[s] for s in STATES], tables, unit=str(_("pairs"))
    )


def cancellation_table(enrolled: People, found: History) -> Table:
    by = found.cancelled_by[found.meetings.cancelled & (found.cancelled_by != NONE)]
    sides = enrolled.side_of(by)
    rows = {
        side: (int((sides == i).sum()), enrolled.distinct(by[sides == i]))
        for i, side in enumerate(SIDES)
    }
    return breakdown(
        "cancellations",
        str(_("Meetings cancelled, by side")),
        [(str(SIDE_LABELS[side]), *rows[side]) for side in SIDES],
        total_label=str(_("Cancelled")),
        # Each person has one side: the people behind all cancellations, of any side.
        total_people=enrolled.distinct(by),
        unit=str(_("meetings")),
    )


def learning_tables(
    program: Program, enrolled: People, pairs: np.ndarray
) -> tuple[list[Table], Row, Counter[str]]:
    """Topics learned per direction, the two-way balance over the program's pairs (`pairs`,
    their pks in ascending order) and for the program, from every topic written down in a
    reflection, read in one query (and the topic names in another); also the number learned
    per side, for the comparison."""
    through = Reflection.learned.through
    found = columns(
        through.objects.filter(reflection__meeting__pair__program=program),
        pair="reflection__meeting__pair",
        author="reflection__author",
        topic="topic",
    )
    author = enrolled.index_of(found["author"])
    found["side"] = enrolled.sides[author]
    topic_ids = unique(found["topic"])
    names = {
        pk: (name_da, name_en)
        for pk, name_da, name_en in Topic.objects.filter(
            Q(organisation=program.organisation_id) | Q(pk__in=topic_ids.tolist())
        ).values_list("pk", "name_da", "name_en")
    }
    # Topics are counted by name, as they are shown; the same name twice is one row.
    named = sorted({names[pk] for pk in topic_ids.tolist()})
    by_name = np.array([named.index(names[pk]) for pk in topic_ids.tolist()], dtype=np.int64)
    name_of = by_name[np.searchsorted(topic_ids, found["topic"])]
    english = (translation.get_language() or "da").startswith("en")
    per_direction: dict[str, list[tuple[str, int, int]]] = {}
    for i, side in enumerate(SIDES):
        mine = found["side"] == i
        n = np.bincount(name_of[mine], minlength=len(named))
        # People: the distinct authors who wrote the topic down.
        span = len(enrolled.pks)
        written = unique(name_of[mine] * span + author[mine], below=len(named) * span)
        writers = np.bincount(written // span, minlength=len(named))
        rows = [(named[j], int(n[j]), int(writers[j])) for j in range(len(named)) if n[j] > 0]
        rows.sort(key=lambda row: (-row[1], row[0][1], row[0][0]))
        per_direction[side] = [
            (((name_en or name_da) if english else (name_da or name_en)), count, who)
            for (name_da, name_en), count, who in rows
        ]
    tables = [
        listing(
            f"learned_{side}",
            str(_("Topics learned %(direction)s")) % {"direction": DIRECTION_LABELS[side]},
            per_direction[side],
            unit=str(_("times")),
        )
        for side in (Side.EXPERIENCED, Side.YOUNG)
    ]
    # Two-way balance: per pair, the smaller direction's learning over the larger one's.
    pair_of = np.searchsorted(pairs, found["pair"])
    learning = np.bincount(pair_of, minlength=len(pairs)) > 0
    young = np.bincount(pair_of[found["side"] == 0], minlength=len(pairs))[learning]
    experienced = np.bincount(pair_of[found["side"] == 1], minlength=len(pairs))[learning]
    learning_pairs = int(learning.sum())
    totals: Counter[str] = Counter(
        {Side.YOUNG: int(young.sum()), Side.EXPERIENCED: int(experienced.sum())}
    )
    # Pairs with the same counts fall in the same bucket: each pair of counts is judged once.
    span = int(experienced.max(initial=0)) + 1
    both, times = np.unique(young * span + experienced, return_counts=True)
    buckets: Counter[str] = Counter()
    for key, n in zip(both.tolist(), times.tolist(), strict=True):
        buckets[balance_bucket(key // span, key % span)] += n
    buckets["none"] += len(pairs) - learning_pairs
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
    people = 2 * learning_pairs
    figure = Row(
        str(_("Two-way balance")),
        balance,
        people,
        balance is not None and shown_figure(people, threshold=min_group()),
    )
    return tables, figure, totals


def two_way_balance(young_learned: int, experienced_learned: int) -> float | None:
    """1.0 when both sides learned as much as the other, 0.0 when learning went one way only:
    the smaller direction over the larger, rounded to two decimals."""
    larger = max(young_learned, experienced_learned)
    if larger == 0:
        return None
    return round(min(young_learned, experienced_learned) / larger, 2)


def balance_bucket(young_learned: int, experienced_learned: int) -> str:
    balance = two_way_balance(young_learned, experienced_learned)
    if balance is None:
        return "none"
    if balance == 0:
        return "one_way"
    return "uneven" if balance < 0.5 else "two_way"


def goal_tables(program: Program, enrolled: People) -> list[Table]:
    """Goals per direction by their latest mark (not begun without one), each over the
    learners behind it."""
    goals = columns(Goal.objects.filter(pair__program=program), pk="pk", learner="learner")
    marks = columns(
        GoalMark.objects.filter(goal__pair__program=program),
        goal="goal",
        progress="progress",
        at=Micros("created_at"),
        pk="pk",
    )
    # The latest mark of a goal: the last by time, then by pk.
    order = np.lexsort((marks["pk"], marks["at"], marks["goal"]))
    marked = marks["goal"][order]
    last = np.ones(len(marked), dtype=bool)
    last[:-1] = marked[:-1] != marked[1:]
    latest_goal, latest = marked[last], marks["progress"][order][last]
    has_mark = np.isin(goals["pk"], latest_goal)
    progress = np.zeros(len(goals["pk"]), dtype=np.int64)
    progress[has_mark] = latest[np.searchsorted(latest_goal, goals["pk"][has_mark])]
    sides = enrolled.side_of(goals["learner"])
    tables = []
    for side in (Side.EXPERIENCED, Side.YOUNG):
        mine = sides == SIDES.index(side)
        cells = []
        for value, label in GoalMark.Progress.choices:
            here = mine & (progress == int(value))
            cells.append((str(label), int(here.sum()), enrolled.distinct(goals["learner"][here])))
        tables.append(
            breakdown(
                f"goals_{side}",
                str(_("Goals %(direction)s, by progress")) % {"direction": DIRECTION_LABELS[side]},
                cells,
                total_label=str(_("Goals")),
                total_people=enrolled.distinct(goals["learner"][mine]),
                unit=str(_("goals")),
            )
        )
    return tables


def assessment_table(program: Program, enrolled: People) -> Table:
    """Self-assessment before and after, per direction, over the topics a learner rated
    both before and after (one rating per pair, learner, topic and phase)."""
    found = columns(
        Assessment.objects.filter(pair__program=program),
        pair="pair",
        learner="learner",
        topic="topic",
        phase=code("phase", (Assessment.Phase.PRE, Assessment.Phase.POST)),
        level="level",
    )
    # Each rating after next to the one before of the same pair, learner and topic.
    order = np.lexsort((found["phase"], found["topic"], found["learner"], found["pair"]))
    key = {name: found[name][order] for name in found}
    same = (
        (key["pair"][1:] == key["pair"][:-1])
        & (key["learner"][1:] == key["learner"][:-1])
        & (key["topic"][1:] == key["topic"][:-1])
    )
    matched = same & (key["phase"][:-1] == 0) & (key["phase"][1:] == 1)
    pre_level = key["level"][:-1][matched]
    post_level = key["level"][1:][matched]
    learners = key["learner"][1:][matched]
    sides = enrolled.side_of(learners)
    table_rows = []
    for side in (Side.EXPERIENCED, Side.YOUNG):
        mine = sides == SIDES.index(side)
        n = int(mine.sum())
        pre_sum, post_sum = int(pre_level[mine].sum()), int(post_level[mine].sum())
        people = enrolled.distinct(learners[mine])
        value = (
            {
                "before": round(pre_sum / n, 1),
                "after": round(post_sum / n, 1),
                "change": round((post_sum - pre_sum) / n, 1),
            }
            if n
            else None
        )
        table_rows.append(
            Row(
                str(DIRECTION_LABELS[side]),
                value,
                people,
                value is not None and shown_figure(people, threshold=min_group()),
            )
        )
    return Table(
        key="assessments", title=str(_("Self-assessment before and after")), rows=table_rows
    )


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


def comparison(program: Program, learned_here: Counter[str] | None = None) -> list[Comparison]:
    """The organisation's programs side by side: pairs, two-way balance and the recommend
    score over all their pulses; a program with too few people is withheld. The dashboard
    has counted this program's learning already (`learned_here`, per side)."""
    org = program.organisation
    k = min_group()
    programs = list(
        Program.objects.filter(organisation=org)
        .exclude(state="draft")
        .order_by("starts_on", "pk")
        .values_list("pk", "name")
    )
    pairs = dict(
        Pair.objects.filter(program__organisation=org)
        .values_list("program")
        .annotate(n=Count("pk"))
        .values_list("program", "n")
    )
    learned: dict[int, Counter[str]] = defaultdict(Counter)
    others = Reflection.learned.through.objects.filter(
        reflection__meeting__pair__program__organisation=org
    )
    if learned_here is not None:
        learned[program.pk].update(learned_here)
        others = others.exclude(reflection__meeting__pair__program=program)
    for program_id, side, n in (
        others.values_list("reflection__meeting__pair__program", "reflection__author__side")
        .annotate(n=Count("pk"))
        .values_list("reflection__meeting__pair__program", "reflection__author__side", "n")  # type: ignore[misc]
    ):
        learned[program_id][side] += n
    scores = {
        program_id: (n, promoters, detractors)
        for program_id, n, promoters, detractors in PulseAnswer.objects.filter(
            program__organisation=org, question="recommend"
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


def dashboard(program: Program, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    board = Dashboard(program=program, threshold=min_group())
    enrolled = people(program)
    found = history(program)
    board.tables.extend(enrolment_tables(program, enrolled, found))
    health, cadence = health_tables(program, found, now)
    board.tables.append(health)
    board.figures["cadence"] = cadence
    board.series = health_over_time(program, found, now)
    board.tables.append(cancellation_table(enrolled, found))
    learning, balance, learned = learning_tables(program, enrolled, found.pks)
    board.tables.extend(learning)
    board.figures["balance"] = balance
    board.tables.extend(goal_tables(program, enrolled))
    board.tables.append(assessment_table(program, enrolled))
    discoveries, effect = discovery_table(program)
    board.tables.append(discoveries)
    board.tables.append(pulse_table(program))
    board.comparison = comparison(program, learned)
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
