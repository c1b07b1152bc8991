"""The dashboard's running tallies (insights.tallies) equal a count from the rows after any
sequence of changes: the pairs' actions, raw writes and deletions, a side changed, a pair
or a person deleted, a person erased; `gensidig recount_figures` counts them again."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gensidig.accounts.erasure import erase_account
from gensidig.insights import queries, tallies
from gensidig.insights.models import Tally, TallyShare
from gensidig.matching.models import Pair
from gensidig.meetings import actions
from gensidig.meetings.actions import MeetingError
from gensidig.meetings.models import Assessment, Goal, GoalMark, Meeting, Reflection
from gensidig.programs.models import Enrolment, Program, Side
from tests.factories import EnrolmentFactory, ProgramFactory, TopicFactory
from tests.insights.conftest import build_pairs


def agree(program: Program) -> None:
    assert tallies.stored_tallies(program) == tallies.counted_tallies(program)


def held_meeting(pair: Pair, days_ago: int) -> Meeting:
    return Meeting.objects.create(
        pair=pair,
        proposed_by=pair.a,
        starts_at=timezone.now() - timedelta(days=days_ago, hours=2),
        minutes=60,
        status=Meeting.Status.CONFIRMED,
    )


def ahead(pair: Pair, by: Enrolment, days: int) -> Meeting:
    return actions.propose_meeting(
        pair=pair,
        by=by,
        starts_at=timezone.now() + timedelta(days=days),
        minutes=60,
        place="Kantinen",
    )


index = st.integers(min_value=0, max_value=20)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("reflect"), index, st.booleans(), st.sets(index, max_size=3)),
        st.tuples(st.just("unlearn"), index),
        st.tuples(st.just("delete_reflection"), index),
        st.tuples(st.just("goal"), index, st.booleans()),
        st.tuples(st.just("mark"), index, st.integers(min_value=0, max_value=4)),
        st.tuples(st.just("delete_mark"), index),
        st.tuples(st.just("delete_goal"), index),
        st.tuples(
            st.just("assess"),
            index,
            st.booleans(),
            st.sampled_from(["pre", "post"]),
            st.integers(min_value=1, max_value=5),
        ),
        st.tuples(st.just("delete_assessment"), index),
        st.tuples(st.just("confirm"), index),
        st.tuples(st.just("cancel"), index, st.booleans()),
        st.tuples(st.just("delete_meeting"), index),
        st.tuples(st.just("end_pair"), index),
        st.tuples(st.just("new_pair"), index),
        st.tuples(st.just("delete_pair"), index),
        st.tuples(st.just("side"), index),
        st.tuples(st.just("delete_enrolment"), index),
        st.tuples(st.just("erase"), index, st.booleans()),
    ),
    max_size=14,
)


def pick(rows: list[Any], i: int) -> Any:
    return rows[i % len(rows)] if rows else None


def apply(program: Program, topics: list[Any], step: tuple[Any, ...]) -> None:
    """One change to the program, made the way the application (or a test, or the admin)
    makes it; a change the rules refuse is skipped."""
    kind, i, *rest = step
    pairs = list(Pair.objects.filter(program=program).order_by("pk"))
    pair = pick(pairs, i)
    try:
        if kind == "reflect" and pair is not None:
            (mine, chosen) = rest
            author = pair.a if mine else pair.b
            actions.submit_reflection(
                meeting=held_meeting(pair, 1 + i),
                author=author,
                taught=[],
                learned=[pick(topics, t) for t in chosen],
                learned_text="Noget",
                usefulness=4,
            )
        elif kind == "unlearn":
            reflection = pick(list(Reflection.objects.filter(author__program=program)), i)
            if reflection is not None:
                reflection.learned.remove(*reflection.learned.all()[:1])
        elif kind == "delete_reflection":
            found = pick(list(Reflection.objects.filter(author__program=program)), i)
            if found is not None:
                found.delete()
        elif kind == "goal" and pair is not None:
            learner = pair.a if rest[0] else pair.b
            actions.add_goal(pair=pair, learner=learner, text="Lære", topic=pick(topics, i))
        elif kind == "mark":
            goal = pick(list(Goal.objects.filter(pair__program=program)), i)
            if goal is not None:
                actions.mark_goal(goal=goal, by=goal.learner, progress=rest[0])
        elif kind == "delete_mark":
            mark = pick(list(GoalMark.objects.filter(goal__pair__program=program)), i)
            if mark is not None:
                mark.delete()
        elif kind == "delete_goal":
            goal = pick(list(Goal.objects.filter(pair__program=program)), i)
            if goal is not None:
                goal.delete()
        elif kind == "assess" and pair is not None:
            mine, phase, level = rest
            actions.save_assessment(
                pair=pair,
                learner=pair.a if mine else pair.b,
                phase=phase,
                levels={pick(topics, i): level},
            )
        elif kind == "delete_assessment":
            row = pick(list(Assessment.objects.filter(pair__program=program)), i)
            if row is not None:
                row.delete()
        elif kind == "confirm" and pair is not None:
            actions.confirm_meeting(meeting=ahead(pair, pair.a, 3 + i), by=pair.b)
        elif kind == "cancel" and pair is not None:
            by = pair.a if rest[0] else pair.b
            actions.cancel_meeting(meeting=ahead(pair, pair.a, 3 + i), by=by)
        elif kind == "delete_meeting":
            meeting = pick(list(Meeting.objects.filter(pair__program=program)), i)
            if meeting is not None:
                meeting.delete()
        elif kind == "end_pair" and pair is not None:
            actions.end_pair(pair=pair, by=None, reason="Flyttet")
        elif kind == "new_pair":
            young = EnrolmentFactory(program=program, side=Side.YOUNG)
            # A partner of a pair before may be a partner again.
            old = pick(list(Enrolment.objects.filter(program=program, side=Side.EXPERIENCED)), i)
            Pair.objects.create(
                program=program, a=young, b=old or EnrolmentFactory(program=program)
            )
        elif kind == "delete_pair" and pair is not None:
            pair.delete()
        elif kind == "side":
            enrolment = pick(list(Enrolment.objects.filter(program=program).order_by("pk")), i)
            if enrolment is not None:
                enrolment.side = (
                    Side.YOUNG if enrolment.side == Side.EXPERIENCED else Side.EXPERIENCED
                )
                enrolment.save()
        elif kind == "delete_enrolment":
            enrolment = pick(list(Enrolment.objects.filter(program=program).order_by("pk")), i)
            if enrolment is not None:
                enrolment.delete()
        elif kind == "erase" and pair is not None:
            enrolment = pair.a if rest[0] else pair.b
            if enrolment.member is not None:
                erase_account(user=enrolment.member.user)
    except MeetingError:
        pass


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS)
def test_tallies_equal_a_count_from_the_rows_after_any_changes(
    organisation: Any, steps: list[tuple[Any, ...]]
) -> None:
    program = ProgramFactory(organisation=organisation, state="running", cadence_weeks=4)
    build_pairs(program, 3)
    topics = [TopicFactory(organisation=organisation) for _ in range(3)]
    agree(program)
    for step in steps:
        apply(program, topics, step)
        agree(program)


@pytest.mark.django_db
def test_tallies_of_a_program_written_without_signals_are_counted_by_the_command(
    organisation: Any,
) -> None:
    program = ProgramFactory(organisation=organisation, state="running", cadence_weeks=4)
    build_pairs(program, 6)
    expected = queries.dashboard(program)
    # As after a restore or bulk inserts: nothing stored.
    Tally.objects.filter(program=program).delete()
    TallyShare.objects.filter(program=program).delete()
    # The dashboard counts from the rows meanwhile: the same figures.
    unstored = queries.dashboard(program)
    assert figures_of(unstored) == figures_of(expected)
    out = StringIO()
    call_command("recount_figures", stdout=out)
    assert f"{program.name}: " in out.getvalue()
    agree(program)
    assert figures_of(queries.dashboard(program)) == figures_of(expected)
    # Kept from then on.
    pair = Pair.objects.filter(program=program).first()
    assert pair is not None
    Reflection.objects.filter(meeting__pair=pair).delete()
    agree(program)


@pytest.mark.django_db
def test_tallies_go_with_their_program(organisation: Any) -> None:
    program = ProgramFactory(organisation=organisation, state="running", cadence_weeks=4)
    build_pairs(program, 2)
    assert Tally.objects.filter(program=program).exists()
    program.delete()
    assert not Tally.objects.exists()
    assert not TallyShare.objects.exists()


@pytest.mark.django_db
def test_topics_of_one_name_are_one_row_with_each_person_once(organisation: Any) -> None:
    program = ProgramFactory(organisation=organisation, state="running", cadence_weeks=4)
    (pair,) = build_pairs(program, 1)
    twins = [
        TopicFactory(organisation=organisation, name_da="Tvilling", name_en="Twin") for _ in "ab"
    ]
    actions.submit_reflection(
        meeting=held_meeting(pair, 2),
        author=pair.b,
        taught=[],
        learned=twins,
        learned_text="",
        usefulness=3,
    )
    board = queries.dashboard(program)
    rows = [row for row in board.table("learned_experienced").rows if row.label == "Tvilling"]
    assert [(row.value, row.people) for row in rows] == [(2, 1)]


def figures_of(board: queries.Dashboard) -> list[Any]:
    return [
        (table.key, [(row.label, row.value, row.people, row.shown) for row in table.rows])
        for table in board.tables
    ] + [(key, row.value) for key, row in board.figures.items()]


@pytest.mark.django_db
def test_dashboard_reads_the_tallies_in_a_fixed_number_of_queries(organisation: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = ProgramFactory(organisation=organisation, state="running", cadence_weeks=4)
    build_pairs(small, 2)
    large = ProgramFactory(organisation=organisation, state="running", cadence_weeks=4)
    build_pairs(large, 12, start=50)
    EnrolmentFactory(program=large, side=Side.YOUNG)
    counts = []
    for program in (small, large):
        with CaptureQueriesContext(connection) as done:
            queries.dashboard(program)
        counts.append(len(done))
    assert counts[0] == counts[1]
