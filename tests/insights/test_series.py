"""Pair health over time: exact counts at each week on pairs with known meeting dates, the
same rule as the meetings app's pair health (at each week and now), small counts withheld,
the table, the chart and the CSV export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gensidig.insights import queries
from gensidig.insights.series import (
    MAX_POINTS,
    MeetingDates,
    PairDates,
    health_counts,
    points,
)
from gensidig.insights.snapshots import backfill_health_snapshots
from gensidig.matching.models import Pair
from gensidig.meetings import queries as meetings_queries
from gensidig.meetings.health import HealthState, pair_health
from gensidig.meetings.models import Meeting
from gensidig.programs.models import Program
from tests.factories import EnrolmentFactory
from tests.insights.conftest import build_pairs

# "Now" for the series tests: local noon, with no change of summer time in the 70 days
# before it, so each weekly point falls on a daily snapshot's moment (local noon).
NOW = datetime(2026, 3, 20, 12, tzinfo=ZoneInfo("Europe/Copenhagen"))


def snapshots(program: Any) -> None:
    backfill_health_snapshots(program=program, until=NOW.date())


def counts_of(point: queries.Table) -> tuple[Any, ...]:
    """On track, due, overdue, stalled, ended, not begun; then the total."""
    assert point.total is not None
    cells = tuple(row.value if row.shown else "withheld" for row in point.rows)
    return (*cells, point.total.value if point.total.shown else "withheld")


@pytest.mark.django_db
def test_health_over_time_known_pairs_gives_exact_counts(program: Any) -> None:
    # Six pairs begun 70 days ago, a meeting every four weeks expected. Even ones met 63
    # days in, odd ones 30 days in (build_pairs); three more pairs began 20 days in and met
    # 45 days in.
    pairs = build_pairs(program, 6, now=NOW)
    began = pairs[0].created_at
    now = began + timedelta(days=70)
    late = build_pairs(program, 3, start=6, now=NOW)
    Pair.objects.filter(pk__in=[p.pk for p in late]).update(created_at=began + timedelta(days=20))
    Meeting.objects.filter(pair__in=late).update(starts_at=began + timedelta(days=45))
    snapshots(program)
    with translation.override("en"):
        board = queries.dashboard(program, now=now)
    series = board.series
    assert series is not None
    assert series.title == "Pair health over time"
    assert series.columns == ["On track", "Due", "Overdue", "Stalled", "Ended", "Not begun yet"]
    # A point a week after the first pair began, then weekly; the last one is now.
    assert len(series.points) == 10
    # Days 7 and 14: all on track, the late pairs not begun. Day 21: three quarters of the
    # cadence without a meeting, due (the late ones began a day ago). Day 28: a full
    # cadence, overdue. Day 35: the odd pairs met on day 30. Day 42: the late ones are due,
    # 22 days without a meeting; they meet on day 45. Day 56: the even ones have gone two
    # cadences without a meeting, stalled; the odd ones are due again at 26 days. Day 63:
    # the even ones met. Day 70 (now): the late ones are due again, the odd ones overdue.
    assert [counts_of(p) for p in series.points] == [
        (6, 0, 0, 0, 0, 3, 9),
        (6, 0, 0, 0, 0, 3, 9),
        (3, 6, 0, 0, 0, 0, 9),
        (3, 0, 6, 0, 0, 0, 9),
        (6, 0, 3, 0, 0, 0, 9),
        (3, 3, 3, 0, 0, 0, 9),
        (6, 0, 3, 0, 0, 0, 9),
        (3, 3, 0, 3, 0, 0, 9),
        (6, 0, 3, 0, 0, 0, 9),
        (3, 3, 3, 0, 0, 0, 9),
    ]
    # The last point is now: the same figures as the current pair health.
    health = board.table("health")
    assert [r.value for r in health.rows] == [r.value for r in series.points[-1].rows][:5]


@pytest.mark.django_db
def test_health_over_time_small_counts_are_withheld(program: Any) -> None:
    pairs = build_pairs(program, 7, now=NOW)
    began = pairs[0].created_at
    now = began + timedelta(days=70)
    # One pair ended on day 50: from then on a group of two people in 'ended'.
    pairs[6].ended_at = began + timedelta(days=50)
    pairs[6].save()
    # And one pair has a meeting booked on day 40 (booked on day 36) for day 44, which was
    # cancelled on day 38: booked on day 37 only, so no point sees it.
    Meeting.objects.create(
        pair=pairs[1],
        proposed_by=pairs[1].a,
        starts_at=began + timedelta(days=44),
        created_at=began + timedelta(days=36),
        minutes=60,
        status=Meeting.Status.CANCELLED,
        cancelled_at=began + timedelta(days=38),
    )
    snapshots(program)
    board = queries.dashboard(program, now=now)
    assert board.series is not None
    counts = [counts_of(p) for p in board.series.points]
    assert counts[:7] == [
        (7, 0, 0, 0, 0, 0, 7),
        (7, 0, 0, 0, 0, 0, 7),
        (0, 7, 0, 0, 0, 0, 7),
        (0, 0, 7, 0, 0, 0, 7),
        (3, 0, 4, 0, 0, 0, 7),
        (3, 0, 4, 0, 0, 0, 7),
        (3, 0, 4, 0, 0, 0, 7),
    ]
    # From day 56 the ended pair is withheld, and with it the smallest other group (the
    # first of two the same size), so that the total does not give it away.
    assert counts[7:] == [
        (0, "withheld", 0, 3, "withheld", 0, 7),
        ("withheld", 0, 3, 0, "withheld", 0, 7),
        ("withheld", 0, 3, 0, "withheld", 0, 7),
    ]
    # The current health follows: same figures withheld.
    health = board.table("health")
    assert [r.shown for r in health.rows] == [r.shown for r in board.series.points[-1].rows][:5]


@pytest.mark.django_db
def test_health_over_time_booked_meeting_counts_only_while_booked(program: Any) -> None:
    pairs = build_pairs(program, 6, now=NOW)
    began = pairs[0].created_at
    # Every pair booked on day 15 a meeting for day 60: on track until then.
    for pair in pairs:
        Meeting.objects.create(
            pair=pair,
            proposed_by=pair.a,
            starts_at=began + timedelta(days=60),
            created_at=began + timedelta(days=15),
            minutes=60,
            status=Meeting.Status.PROPOSED,
        )
    snapshots(program)
    board = queries.dashboard(program, now=began + timedelta(days=70))
    assert board.series is not None
    on_track = [p.rows[0].value for p in board.series.points]
    # Days 7 .. 56 all on track (booked from day 15), then the proposal was never confirmed.
    assert on_track == [6, 6, 6, 6, 6, 6, 6, 6, 3, 3]


def test_points_weekly_then_every_few_weeks() -> None:
    first = datetime(2026, 1, 5, 9, tzinfo=UTC)
    weekly = points(first, first + timedelta(days=30))
    assert [(p - first).days for p in weekly] == [7, 14, 21, 30]
    yearly = points(first, first + timedelta(days=365))
    assert len(yearly) <= MAX_POINTS + 1
    assert (yearly[1] - yearly[0]) == timedelta(weeks=3)
    assert points(first, first) == [first]


ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
days = st.integers(min_value=0, max_value=120)
# A pair's start and end, the moment looked at, and the program's cadence.
TIMELINE = {
    "created": days,
    "ended": st.none() | days,
    "at": days,
    "hours": st.integers(min_value=0, max_value=23),
    "cadence": st.integers(min_value=1, max_value=6),
}


@given(
    meetings=st.lists(
        st.tuples(days, days, st.sampled_from(["proposed", "confirmed", "cancelled"]), days),
        max_size=5,
    ),
    **TIMELINE,
)
def test_health_counts_follow_the_meetings_rule(
    created: int,
    ended: int | None,
    meetings: list[tuple[int, int, str, int]],
    at: int,
    hours: int,
    cadence: int,
) -> None:
    """At any moment, the state counted for a pair is what meetings.health.pair_health says
    from the meetings held by then and the next one booked by then."""
    moment = ORIGIN + timedelta(days=at, hours=hours)
    pair = PairDates(
        created_at=ORIGIN + timedelta(days=created),
        ended_at=None if ended is None else ORIGIN + timedelta(days=ended),
    )
    history = [
        MeetingDates(
            pair=0,
            starts_at=ORIGIN + timedelta(days=start),
            created_at=ORIGIN + timedelta(days=min(booked, start)),
            confirmed=status == "confirmed",
            cancelled=status == "cancelled",
            cancelled_at=ORIGIN + timedelta(days=cancelled) if status == "cancelled" else None,
        )
        for start, booked, status, cancelled in meetings
    ]
    (counted,) = health_counts([pair], history, [moment], cadence_weeks=cadence)
    state = next(name for name, n in counted.items() if n)
    assert sum(counted.values()) == 1
    if pair.created_at > moment:
        assert state == "not_begun"
        return
    held = [m.starts_at for m in history if m.confirmed and m.starts_at <= moment]
    booked = [
        m.starts_at
        for m in history
        if m.created_at <= moment
        and m.starts_at > moment
        and not (m.cancelled and m.cancelled_at is not None and m.cancelled_at <= moment)
    ]
    expected = pair_health(
        now=moment,
        cadence_weeks=cadence,
        started_at=pair.created_at,
        last_met_at=max(held, default=None),
        next_meeting_at=min(booked, default=None),
        ended_at=pair.ended_at,
    ).state
    assert state == str(expected)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    # The program is reset by hand at each example (its pairs deleted, its cadence set).
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    meetings=st.lists(
        st.tuples(days, st.sampled_from(["proposed", "confirmed", "cancelled"])), max_size=4
    ),
    **TIMELINE,
)
def test_health_now_in_the_database_follows_pair_health(
    program: Any,
    created: int,
    ended: int | None,
    meetings: list[tuple[int, str]],
    at: int,
    hours: int,
    cadence: int,
) -> None:
    """The state the database gives a pair now is pair_health's from the last meeting held
    (confirmed and begun) and the next one ahead that is not cancelled, as the meetings app
    sees it."""
    Pair.objects.all().delete()
    Program.objects.filter(pk=program.pk).update(cadence_weeks=cadence)
    program.refresh_from_db()
    now = ORIGIN + timedelta(days=at, hours=hours)
    started = ORIGIN + timedelta(days=created)
    ended_at = None if ended is None else ORIGIN + timedelta(days=ended)
    young = EnrolmentFactory(program=program, side="young")
    old = EnrolmentFactory(program=program, side="experienced")
    pair = Pair.objects.create(
        program=program, a=young, b=old, created_at=started, ended_at=ended_at
    )
    # A pair's meetings begin once the pair has: each is drawn as days after its start.
    starts = [started + timedelta(days=day) for day, _status in meetings]
    for start, (_day, status) in zip(starts, meetings, strict=True):
        Meeting.objects.create(
            pair=pair, proposed_by=young, starts_at=start, minutes=60, status=status
        )
    held = [s for s, (_d, status) in zip(starts, meetings, strict=True) if status == "confirmed"]
    held = [s for s in held if s <= now]
    ahead = [
        s
        for s, (_d, status) in zip(starts, meetings, strict=True)
        if s > now and status != "cancelled"
    ]
    expected = pair_health(
        now=now,
        cadence_weeks=cadence,
        started_at=started,
        last_met_at=max(held, default=None),
        next_meeting_at=min(ahead, default=None),
        ended_at=ended_at,
    ).state
    counts = meetings_queries.health_counts(program, now)
    assert counts == {state: int(state == expected) for state in HealthState}
    # The pairs page lists the pair in the same state.
    (listed,) = meetings_queries.with_health(Pair.objects.filter(pk=pair.pk), program, now)
    assert listed.health == expected  # type: ignore[attr-defined]
    assert queries.held(program, now) == len(held)


@pytest.mark.django_db
def test_health_over_time_page_chart_table_and_csv(login: Any, admin: Any, program: Any) -> None:
    build_pairs(program, 6)
    backfill_health_snapshots(program=program)
    client = login(admin)
    kwargs = {"org": admin.organisation.slug, "program_id": program.pk}
    page = client.get(
        reverse("insights:dashboard", kwargs=kwargs), headers={"accept-language": "en"}
    ).content.decode()
    assert 'id="t-health_over_time"' in page
    assert 'class="chart chart-series"' in page
    assert page.count('class="chart-state-0"') >= 10
    body = client.get(
        reverse("insights:export", kwargs=kwargs), {"table": "health_over_time"}
    ).content.decode("utf-8")
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0] in {
        "When;On track;Due;Overdue;Stalled;Ended;Not begun yet;Pairs",
        "Hvornår;På sporet;Tid til et møde;Forsinket;Gået i stå;Afsluttet;Ikke begyndt endnu;Par",
    }
    assert lines[-1].endswith(";3;0;3;0;0;0;6")
    assert len(lines) == 11
