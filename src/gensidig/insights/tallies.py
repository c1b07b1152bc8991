"""The dashboard's counts that grow with a program's history, kept as running totals.

Counting the topics learned, the goals by their latest mark, the self-assessments, the
cancellations and the balance of every pair from their rows on each page view costs time in
proportion to the program's history (millions of rows at 100,000 participants and three
years). Instead each program has a few `Tally` rows (one per cell of those tables: a count,
the people behind it, and the sums an average needs), which the dashboard reads in one
query.

How they stay right: every enrolment and every pair has a `TallyShare`, what its own rows
add to the program's tallies, as last counted. When a row of theirs changes (a reflection
or its topics, a goal, a progress mark, a self-assessment, a meeting), `refresh` counts
their share again from their rows (a few small aggregate queries over one person's or one
pair's rows) and moves the program's tallies by the difference to the stored share, in the
same transaction as the change. The changes are seen through Django's model signals
(`connect`), so every writer is covered: the actions, the admin, the demo, tests, and the
cascades of a deletion. A refresh is idempotent: counting a share twice changes nothing.
Rows written without signals (bulk inserts, raw SQL, a restore) need `gensidig
recount_figures`, which counts every share and tally of every program again.

The shares hold counts of one person or one pair (topic ids, sides, progress values), the
tallies counts of a program: no names, no text.

Concurrency: a refresh first locks its program's anchor tally (the row with an empty
figure), so refreshes of one program run one after another and every tally row is only
moved by one transaction at a time. A program without an anchor is not kept (its tallies
were never counted, or it is being deleted and its tallies went first): the dashboard
then counts from the rows, and `recount` (the daily run does it for such programs) makes
the anchor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from gensidig.insights.models import Tally, TallyShare
from gensidig.matching.models import Pair
from gensidig.meetings.models import Assessment, Goal, GoalMark, Meeting, Reflection
from gensidig.programs.models import Enrolment, Program, Side

SIDES = (Side.YOUNG, Side.EXPERIENCED)

# The figures a person's rows make, and those a pair's rows make.
LEARNED, GOALS, GOAL_LEARNERS, ASSESSMENTS, CANCELLATIONS, MATCHED = (
    "learned",
    "goals",
    "goal_learners",
    "assessments",
    "cancellations",
    "matched",
)
BALANCE, CONFIRMED = "balance", "confirmed"
PERSON_FIGURES = frozenset({LEARNED, GOALS, ASSESSMENTS, CANCELLATIONS, MATCHED})
PAIR_FIGURES = frozenset({BALANCE, CONFIRMED})
# Refreshing GOALS counts GOAL_LEARNERS too (the same query).
COUNTED_WITH = {GOALS: {GOALS, GOAL_LEARNERS}}

Cell = tuple[str, str, str]  # figure, side, key
Vector = tuple[int, int, int, int]  # count, people, before, after
ZERO: Vector = (0, 0, 0, 0)


def add(a: Vector, b: Vector, sign: int = 1) -> Vector:
    return (a[0] + sign * b[0], a[1] + sign * b[1], a[2] + sign * b[2], a[3] + sign * b[3])


def encode(cells: dict[Cell, Vector]) -> dict[str, list[int]]:
    return {"|".join(cell): list(vector) for cell, vector in cells.items() if vector != ZERO}


def decode(stored: dict[str, list[int]]) -> dict[Cell, Vector]:
    found: dict[Cell, Vector] = {}
    for text, vector in stored.items():
        figure, side, key = text.split("|")
        found[(figure, side, key)] = (vector[0], vector[1], vector[2], vector[3])
    return found


def expand(figures: Iterable[str]) -> set[str]:
    return {counted for figure in figures for counted in COUNTED_WITH.get(figure, {figure})}


# --- Counting shares from the rows ----------------------------------------------------------


def person_shares(
    program_id: int, enrolment_ids: Iterable[int] | None, figures: Iterable[str]
) -> dict[int, dict[Cell, Vector]]:
    """Each enrolment's share of the program's figures (`figures` of PERSON_FIGURES), from
    its rows: all enrolments of the program when `enrolment_ids` is None. Each person is
    one of the people behind every cell they add to."""
    figures = set(figures)
    ids = None if enrolment_ids is None else list(enrolment_ids)
    shares: dict[int, dict[Cell, Vector]] = defaultdict(dict)

    def scoped(field: str) -> dict[str, Any]:
        return {} if ids is None else {f"{field}__in": ids}

    if LEARNED in figures:
        learned = Reflection.learned.through.objects.filter(
            reflection__author__program_id=program_id,
            reflection__author__side__in=SIDES,
            **scoped("reflection__author"),
        )
        for author, side, topic, n in (
            learned.order_by()
            .values_list("reflection__author", "reflection__author__side", "topic")
            .annotate(n=Count("pk"))
            .values_list("reflection__author", "reflection__author__side", "topic", "n")  # type: ignore[misc]
        ):
            shares[author][(LEARNED, side, str(topic))] = (n, 1, 0, 0)
    if GOALS in figures:
        latest = Subquery(
            GoalMark.objects.filter(goal=OuterRef("pk"))
            .order_by("-created_at", "-pk")
            .values("progress")[:1]
        )
        goals = Goal.objects.filter(
            pair__program_id=program_id, learner__side__in=SIDES, **scoped("learner")
        )
        for learner, side, progress, n in (
            goals.annotate(latest=Coalesce(latest, Value(GoalMark.Progress.NOT_STARTED.value)))
            .order_by()
            .values_list("learner", "learner__side", "latest")
            .annotate(n=Count("pk"))
            .values_list("learner", "learner__side", "latest", "n")
        ):
            shares[learner][(GOALS, side, str(progress))] = (n, 1, 0, 0)
            shares[learner][(GOAL_LEARNERS, side, "")] = (0, 1, 0, 0)
    if ASSESSMENTS in figures:
        before = Subquery(
            Assessment.objects.filter(
                pair=OuterRef("pair"),
                learner=OuterRef("learner"),
                topic=OuterRef("topic"),
                phase=Assessment.Phase.PRE,
            ).values("level")[:1],
            output_field=IntegerField(),
        )
        for learner, side, n, pre, post in (
            Assessment.objects.filter(
                pair__program_id=program_id,
                phase=Assessment.Phase.POST,
                learner__side__in=SIDES,
                **scoped("learner"),
            )
            .annotate(before=before)
            .filter(before__isnull=False)
            .order_by()
            .values_list("learner", "learner__side")
            .annotate(n=Count("pk"), pre=Sum("before"), post=Sum("level"))
            .values_list("learner", "learner__side", "n", "pre", "post")
        ):
            shares[learner][(ASSESSMENTS, side, "")] = (n, 1, pre, post)
    if CANCELLATIONS in figures:
        for by, side, n in (
            Meeting.objects.filter(
                pair__program_id=program_id,
                status=Meeting.Status.CANCELLED,
                cancelled_by__side__in=SIDES,
                **scoped("cancelled_by"),
            )
            .order_by()
            .values_list("cancelled_by", "cancelled_by__side")
            .annotate(n=Count("pk"))
            .values_list("cancelled_by", "cancelled_by__side", "n")
        ):
            shares[by][(CANCELLATIONS, side, "")] = (n, 1, 0, 0)
    if MATCHED in figures:
        # Who is or was a partner in one of the program's pairs.
        pairs = Pair.objects.filter(program_id=program_id)
        partners = pairs.values_list("a", flat=True).union(pairs.values_list("b", flat=True))
        if ids is not None:
            partners = (
                pairs.filter(a__in=ids)
                .values_list("a", flat=True)
                .union(pairs.filter(b__in=ids).values_list("b", flat=True))
            )
        for partner in partners:
            shares[partner][(MATCHED, "", "")] = (0, 1, 0, 0)
    return shares


def two_way_balance(young_learned: int, experienced_learned: int) -> float | None:
    """1.0 when both sides learned as much as the other, 0.0 when learning went one way only:
    the smaller direction over the larger, rounded to two decimals."""
    larger = max(young_learned, experienced_learned)
    if larger == 0:
        return None
    return round(min(young_learned, experienced_learned) / larger, 2)


def balance_bucket(young_learned: int, experienced_learned: int) -> str:
    """How evenly a pair learned: none, one way only, mostly one way or both ways."""
    balance = two_way_balance(young_learned, experienced_learned)
    if balance is None:
        return "none"
    if balance == 0:
        return "one_way"
    return "uneven" if balance < 0.5 else "two_way"


def pair_shares(
    program_id: int, pair_ids: Iterable[int] | None, figures: Iterable[str]
) -> dict[int, dict[Cell, Vector]]:
    """Each pair's share (`figures` of PAIR_FIGURES): the balance bucket it is in (none is
    not stored: it is the pairs not in another bucket) and its confirmed meetings."""
    figures = set(figures)
    ids = None if pair_ids is None else list(pair_ids)
    pairs = Pair.objects.filter(program_id=program_id)
    if ids is not None:
        pairs = pairs.filter(pk__in=ids)
    shares: dict[int, dict[Cell, Vector]] = defaultdict(dict)
    if BALANCE in figures:
        topics = "meetings__reflections__learned"
        side = "meetings__reflections__author__side"
        for pk, young, experienced in (
            pairs.annotate(
                young=Count(topics, filter=Q(**{side: Side.YOUNG})),
                experienced=Count(topics, filter=Q(**{side: Side.EXPERIENCED})),
            )
            .filter(Q(young__gt=0) | Q(experienced__gt=0))
            .values_list("pk", "young", "experienced")
        ):
            bucket = balance_bucket(young, experienced)
            if bucket != "none":
                shares[pk][(BALANCE, "", bucket)] = (1, 0, 0, 0)
    if CONFIRMED in figures:
        confirmed = Meeting.objects.filter(
            pair__program_id=program_id, status=Meeting.Status.CONFIRMED
        )
        if ids is not None:
            confirmed = confirmed.filter(pair__in=ids)
        per_pair = confirmed.order_by().values_list("pair").annotate(n=Count("pk"))
        for pk, n in per_pair.values_list("pair", "n"):
            shares[pk][(CONFIRMED, "", "")] = (n, 0, 0, 0)
    return shares


# --- Keeping the tallies ---------------------------------------------------------------------


def lock(program_id: int) -> bool:
    """Take the program's anchor tally row for this transaction. False when it has none:
    its tallies were never counted (`recount` makes the anchor), or it is being deleted
    (its tallies went first); then there is nothing to keep."""
    return Tally.objects.select_for_update().filter(program_id=program_id, figure="").exists()


def move(program_id: int, delta: dict[Cell, Vector]) -> None:
    """Add `delta` to the program's tallies (rows made when missing), in a fixed order."""
    changed = {cell: v for cell, v in delta.items() if v != ZERO}
    if not changed:
        return
    Tally.objects.bulk_create(
        [Tally(program_id=program_id, figure=f, side=s, key=k) for f, s, k in changed],
        ignore_conflicts=True,
    )
    for (figure, side, key), (count, people, before, after) in sorted(changed.items()):
        Tally.objects.filter(program_id=program_id, figure=figure, side=side, key=key).update(
            count=F("count") + count,
            people=F("people") + people,
            before=F("before") + before,
            after=F("after") + after,
        )


@dataclass(frozen=True)
class Scope:
    kind: str  # "enrolment" or "pair"
    pk: int

    def share(self) -> TallyShare | None:
        field = "enrolment_id" if self.kind == "enrolment" else "pair_id"
        return TallyShare.objects.select_for_update().filter(**{field: self.pk}).first()


def refresh(
    program_id: int,
    *,
    enrolments: Iterable[int] = (),
    pairs: Iterable[int] = (),
    figures: Iterable[str],
) -> None:
    """Count the shares of `enrolments` and `pairs` in `figures` again from their rows and
    move the program's tallies by what changed."""
    wanted = set(figures)
    people = sorted(set(enrolments))
    couples = sorted(set(pairs))
    person_figures = wanted & PERSON_FIGURES
    pair_figures = wanted & PAIR_FIGURES
    if not ((people and person_figures) or (couples and pair_figures)):
        return
    with transaction.atomic():
        if not lock(program_id):
            return
        delta: dict[Cell, Vector] = defaultdict(lambda: ZERO)
        if people and person_figures:
            counted = person_shares(program_id, people, person_figures)
            for pk in people:
                replace_share(
                    program_id,
                    Scope("enrolment", pk),
                    counted.get(pk, {}),
                    expand(person_figures),
                    delta,
                )
        if couples and pair_figures:
            counted = pair_shares(program_id, couples, pair_figures)
            for pk in couples:
                replace_share(
                    program_id, Scope("pair", pk), counted.get(pk, {}), pair_figures, delta
                )
        move(program_id, delta)


def replace_share(
    program_id: int,
    scope: Scope,
    counted: dict[Cell, Vector],
    figures: set[str],
    delta: dict[Cell, Vector],
) -> None:
    """Store `counted` as the scope's share in `figures` (the rest of the share stays) and
    add the difference to `delta`."""
    share = scope.share()
    stored = decode(share.cells) if share is not None else {}
    old = {cell: v for cell, v in stored.items() if cell[0] in figures}
    for cell in {*old, *counted}:
        delta[cell] = add(delta[cell], add(counted.get(cell, ZERO), old.get(cell, ZERO), -1))
    kept = {cell: v for cell, v in stored.items() if cell[0] not in figures}
    cells = encode({**kept, **counted})
    if share is None:
        if cells:
            TallyShare.objects.create(
                program_id=program_id,
                cells=cells,
                **{"enrolment_id" if scope.kind == "enrolment" else "pair_id": scope.pk},
            )
    elif cells:
        if cells != share.cells:
            share.cells = cells
            share.save(update_fields=["cells"])
    else:
        share.delete()


def drop_share(program_id: int, scope: Scope) -> None:
    """The scope is deleted: take its whole share off the program's tallies."""
    with transaction.atomic():
        if not lock(program_id):
            return
        share = scope.share()
        if share is None:
            return
        move(program_id, {cell: add(ZERO, v, -1) for cell, v in decode(share.cells).items()})
        share.delete()


# --- Recounting everything --------------------------------------------------------------------


def counted_tallies(program: Program) -> dict[Cell, Vector]:
    """The program's tallies as its rows give them now (what the stored ones must equal)."""
    totals: dict[Cell, Vector] = defaultdict(lambda: ZERO)
    for shares in (
        person_shares(program.pk, None, PERSON_FIGURES),
        pair_shares(program.pk, None, PAIR_FIGURES),
    ):
        for cells in shares.values():
            for cell, vector in cells.items():
                totals[cell] = add(totals[cell], vector)
    return {cell: v for cell, v in totals.items() if v != ZERO}


def read(program: Program) -> dict[Cell, Vector]:
    """The program's tallies, for its dashboard: the stored ones (one query), or, for a
    program whose tallies were never counted (no anchor), counted from its rows."""
    found: dict[Cell, Vector] = {}
    anchored = False
    for figure, side, key, count, people, before, after in Tally.objects.filter(
        program=program
    ).values_list("figure", "side", "key", "count", "people", "before", "after"):
        if figure == "":
            anchored = True
        elif (count, people, before, after) != ZERO:
            found[(figure, side, key)] = (count, people, before, after)
    return found if anchored else counted_tallies(program)


def learned_by_program(program_ids: list[int]) -> dict[int, dict[str, int]]:
    """Topics learned per side in each of the programs (from their tallies; counted from
    the rows for a program that has none)."""
    found: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    anchored = set(
        Tally.objects.filter(program__in=program_ids, figure="").values_list("program", flat=True)
    )
    for program, side, n in (
        Tally.objects.filter(program__in=anchored, figure=LEARNED)
        .order_by()
        .values_list("program", "side")
        .annotate(n=Sum("count"))
        .values_list("program", "side", "n")
    ):
        found[program][side] += n
    for program, side, n in (
        Reflection.learned.through.objects.filter(
            reflection__author__program__in=[pk for pk in program_ids if pk not in anchored]
        )
        .order_by()
        .values_list("reflection__author__program", "reflection__author__side")
        .annotate(n=Count("pk"))
        .values_list("reflection__author__program", "reflection__author__side", "n")  # type: ignore[misc]
    ):
        found[program][side] += n
    return found


def stored_tallies(program: Program) -> dict[Cell, Vector]:
    return {
        (figure, side, key): (count, people, before, after)
        for figure, side, key, count, people, before, after in Tally.objects.filter(program=program)
        .exclude(figure="")
        .values_list("figure", "side", "key", "count", "people", "before", "after")
        if (count, people, before, after) != ZERO
    }


def chunks(ids: list[int], size: int = 2000) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@transaction.atomic
def recount(program: Program) -> int:
    """Count every share and tally of `program` again from its rows (after rows were
    written without signals, or to repair). Returns the number of shares written."""
    Tally.objects.bulk_create(
        [Tally(program=program, figure="", side="", key="")], ignore_conflicts=True
    )
    lock(program.pk)
    TallyShare.objects.filter(program=program).delete()
    Tally.objects.filter(program=program).exclude(figure="").delete()
    totals: dict[Cell, Vector] = defaultdict(lambda: ZERO)
    written = 0
    scopes = (
        ("enrolment", Enrolment.objects.filter(program=program), person_shares, PERSON_FIGURES),
        ("pair", Pair.objects.filter(program=program), pair_shares, PAIR_FIGURES),
    )
    for kind, rows, count, figures in scopes:
        ids = list(rows.order_by("pk").values_list("pk", flat=True))
        for chunk in chunks(ids):
            shares = count(program.pk, chunk, figures)
            made = []
            for pk, cells in shares.items():
                for cell, vector in cells.items():
                    totals[cell] = add(totals[cell], vector)
                if cells:
                    made.append(
                        TallyShare(program=program, cells=encode(cells), **{f"{kind}_id": pk})
                    )
            TallyShare.objects.bulk_create(made)
            written += len(made)
    Tally.objects.bulk_create(
        Tally(
            program=program,
            figure=f,
            side=s,
            key=k,
            count=v[0],
            people=v[1],
            before=v[2],
            after=v[3],
        )
        for (f, s, k), v in sorted(totals.items())
        if v != ZERO
    )
    return written


def recount_uncounted() -> int:
    """Count the programs whose tallies were never counted (no anchor: programs from before
    the tallies, or written without signals). The daily run calls it."""
    counted = Tally.objects.filter(figure="").values("program")
    found = list(Program.objects.exclude(pk__in=counted).order_by("pk"))
    for program in found:
        recount(program)
    return len(found)


# --- Seeing the changes -----------------------------------------------------------------------


def program_of_enrolment(pk: int) -> int | None:
    return Enrolment.objects.filter(pk=pk).values_list("program_id", flat=True).first()


def on_reflection(instance: Reflection, **kwargs: Any) -> None:
    found = (
        Enrolment.objects.filter(pk=instance.author_id).values_list("program_id", flat=True).first()
    )
    pair = Meeting.objects.filter(pk=instance.meeting_id).values_list("pair_id", flat=True).first()
    if found is None:
        return
    refresh(
        found,
        enrolments=[instance.author_id],
        pairs=[pair] if pair is not None else [],
        figures={LEARNED, BALANCE},
    )


def on_learned(
    instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """A reflection's topics learned changed (`reflection.learned.set/add/remove/clear`),
    or, from the topic's side, a topic's reflections."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        on_reflection(instance)
    elif pk_set:
        for reflection in Reflection.objects.filter(pk__in=pk_set):
            on_reflection(reflection)


def on_goal(instance: Goal, **kwargs: Any) -> None:
    program = program_of_enrolment(instance.learner_id)
    if program is not None:
        refresh(program, enrolments=[instance.learner_id], figures={GOALS})


def on_mark(instance: GoalMark, **kwargs: Any) -> None:
    learner = Goal.objects.filter(pk=instance.goal_id).values_list("learner_id", flat=True).first()
    if learner is None:
        return
    program = program_of_enrolment(learner)
    if program is not None:
        refresh(program, enrolments=[learner], figures={GOALS})


def on_assessment(instance: Assessment, **kwargs: Any) -> None:
    program = program_of_enrolment(instance.learner_id)
    if program is not None:
        refresh(program, enrolments=[instance.learner_id], figures={ASSESSMENTS})


def on_meeting(instance: Meeting, **kwargs: Any) -> None:
    found = (
        Pair.objects.filter(pk=instance.pair_id).values_list("program_id", "a_id", "b_id").first()
    )
    if found is None:
        return
    program, a, b = found
    # Whoever cancelled it before may be neither partner now; both partners and the one
    # recorded are counted again.
    people = {a, b} | ({instance.cancelled_by_id} if instance.cancelled_by_id else set())
    refresh(
        program,
        enrolments=people,
        pairs=[instance.pair_id],
        figures={CANCELLATIONS, CONFIRMED},
    )


def on_enrolment_saved(instance: Enrolment, **kwargs: Any) -> None:
    """A side changed after the person's rows were counted: count them (and their pairs')
    again under the new side."""
    share = TallyShare.objects.filter(enrolment_id=instance.pk).values_list("cells", flat=True)
    stored = share.first()
    # The sides the share was counted under (cells without a side, as a partner, aside).
    sides = {cell[1] for cell in decode(stored) if cell[1]} if stored else set()
    if not sides or sides == {instance.side}:
        return
    pairs = Pair.objects.filter(Q(a=instance.pk) | Q(b=instance.pk))
    refresh(
        instance.program_id,
        enrolments=[instance.pk],
        pairs=list(pairs.values_list("pk", flat=True)),
        figures=PERSON_FIGURES | {BALANCE},
    )


def on_program_saved(instance: Program, created: bool, **kwargs: Any) -> None:
    """A new program has nothing to count: its tallies are kept from the start."""
    if created:
        Tally.objects.bulk_create(
            [Tally(program=instance, figure="", side="", key="")], ignore_conflicts=True
        )


def on_pair(instance: Pair, **kwargs: Any) -> None:
    """A pair made or gone: its partners are or are no longer partners."""
    refresh(instance.program_id, enrolments=[instance.a_id, instance.b_id], figures={MATCHED})


def on_pair_deleting(instance: Pair, **kwargs: Any) -> None:
    """The pair's share goes off the tallies before its rows go; the rows' own signals
    then find nothing left to count."""
    drop_share(instance.program_id, Scope("pair", instance.pk))


def on_enrolment_deleting(instance: Enrolment, **kwargs: Any) -> None:
    drop_share(instance.program_id, Scope("enrolment", instance.pk))


def connect() -> None:
    """Called once from the app's ready()."""
    uid = "insights.tallies."
    for model, handler in (
        (Reflection, on_reflection),
        (Goal, on_goal),
        (GoalMark, on_mark),
        (Assessment, on_assessment),
        (Meeting, on_meeting),
    ):
        post_save.connect(handler, sender=model, dispatch_uid=f"{uid}{model.__name__}.saved")
        post_delete.connect(handler, sender=model, dispatch_uid=f"{uid}{model.__name__}.deleted")
    m2m_changed.connect(on_learned, sender=Reflection.learned.through, dispatch_uid=f"{uid}learned")
    post_save.connect(on_enrolment_saved, sender=Enrolment, dispatch_uid=f"{uid}enrolment.saved")
    post_save.connect(on_program_saved, sender=Program, dispatch_uid=f"{uid}program.saved")
    pre_delete.connect(on_pair_deleting, sender=Pair, dispatch_uid=f"{uid}pair.deleting")
    post_save.connect(on_pair, sender=Pair, dispatch_uid=f"{uid}pair.saved")
    post_delete.connect(on_pair, sender=Pair, dispatch_uid=f"{uid}pair.deleted")
    pre_delete.connect(
        on_enrolment_deleting, sender=Enrolment, dispatch_uid=f"{uid}enrolment.deleting"
    )
