"""Daily snapshots of pair health: each program's count of pairs per health state on each
day, the history that the dashboard's "pair health over time" reads.

The daily run (`gensidig nudge`) records today's counts, computed live by the database
(meetings.queries.health_counts, as on the pairs page). `gensidig backfill_health` writes
the days before the first snapshot from the meetings' history, by the array form of the
health rule in series.py: the one place that still walks every meeting, once, in a
command rather than a page."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from gensidig.insights.models import HealthSnapshot
from gensidig.insights.series import Meetings, Pairs, count_states, micro
from gensidig.matching.models import Pair
from gensidig.meetings.health import HealthState
from gensidig.meetings.models import Meeting
from gensidig.meetings.queries import health_counts
from gensidig.programs.models import Program, State


def programs_with_pairs() -> list[Program]:
    return list(
        Program.objects.filter(pairs__isnull=False)
        .exclude(state=State.DRAFT)
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def save_counts(*, program: Program, day: date, counts: dict[str, int], at: datetime) -> None:
    """Write one day's counts of one program, replacing any written before for that day."""
    HealthSnapshot.objects.filter(program=program, day=day).delete()
    HealthSnapshot.objects.bulk_create(
        HealthSnapshot(program=program, day=day, state=state, pairs=n, taken_at=at)
        for state, n in counts.items()
    )


def record_health_snapshots(*, now: datetime | None = None) -> int:
    """Today's snapshot of every program with pairs (run daily; running it again the same
    day replaces the day's counts). Returns the number of programs recorded."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    found = programs_with_pairs()
    for program in found:
        save_counts(program=program, day=day, counts=health_counts(program, now), at=now)
    return len(found)


def noon(day: date) -> datetime:
    """The moment a back-filled day is counted at: its local noon."""
    return timezone.make_aware(datetime.combine(day, time(12)))


@transaction.atomic
def backfill_health_snapshots(*, program: Program, until: date | None = None) -> int:
    """Write the snapshots of `program` for every day from its first pair's until the day
    before `until` (default: today) that has none yet, from the meetings' history. Returns
    the number of days written."""
    until = until or timezone.localdate()
    pairs = list(
        Pair.objects.filter(program=program)
        .order_by("pk")
        .values_list("pk", "created_at", "ended_at")
    )
    if not pairs:
        return 0
    first = min(timezone.localdate(created) for _pk, created, _ended in pairs)
    have = set(HealthSnapshot.objects.filter(program=program).values_list("day", flat=True))
    days = [
        first + timedelta(days=n)
        for n in range((until - first).days)
        if first + timedelta(days=n) not in have
    ]
    if not days:
        return 0
    position = {pk: i for i, (pk, _created, _ended) in enumerate(pairs)}
    rows = list(
        Meeting.objects.filter(pair__program=program).values_list(
            "pair", "starts_at", "created_at", "status", "cancelled_at"
        )
    )
    meetings = Meetings(
        pair=np.array([position[r[0]] for r in rows], dtype=np.int64),
        starts=np.array([micro(r[1]) for r in rows], dtype=np.int64),
        created=np.array([micro(r[2]) for r in rows], dtype=np.int64),
        confirmed=np.array([r[3] == Meeting.Status.CONFIRMED for r in rows], dtype=bool),
        cancelled=np.array([r[3] == Meeting.Status.CANCELLED for r in rows], dtype=bool),
        cancelled_at=np.array([micro(r[4]) for r in rows], dtype=np.int64),
    )
    counts = count_states(
        Pairs(
            created=np.array([micro(created) for _pk, created, _ended in pairs], dtype=np.int64),
            ended=np.array([micro(ended) for _pk, _c, ended in pairs], dtype=np.int64),
        ),
        meetings,
        [micro(noon(day)) for day in days],
        cadence_weeks=program.cadence_weeks,
    )
    HealthSnapshot.objects.bulk_create(
        (
            HealthSnapshot(
                program=program, day=day, state=state, pairs=count[state], taken_at=noon(day)
            )
            for day, count in zip(days, counts, strict=True)
            for state in HealthState
        ),
        batch_size=5000,
    )
    return len(days)
