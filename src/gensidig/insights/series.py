"""Pair health over time: the state of every pair at each point of a program's run, from
the meetings' history, by the rule of meetings.health.pair_health. Pure arithmetic over
arrays (one pass per point, not one call per pair and point), so a program with thousands
of pairs and a year of history is counted in milliseconds; a test holds it to pair_health.

At a point in time a meeting counts as held when it was confirmed and had begun, and as
booked when it had been proposed by then, starts later and was not yet cancelled."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from gensidig.meetings.health import HealthState

# The states in the order of the chart: the healthy first, then those that need help.
NOT_BEGUN = "not_begun"
STATES: list[str] = [
    HealthState.ON_TRACK,
    HealthState.DUE,
    HealthState.OVERDUE,
    HealthState.STALLED,
    HealthState.ENDED,
    NOT_BEGUN,
]
MAX_POINTS = 26
NONE = np.iinfo(np.int64).min  # "no such date" in the arrays
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PairDates:
    created_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class MeetingDates:
    pair: int  # position of the pair in the list of PairDates
    starts_at: datetime
    created_at: datetime
    confirmed: bool
    cancelled: bool
    cancelled_at: datetime | None


def micro(moment: datetime | None) -> int:
    """Microseconds since 1970: exact, so comparisons agree with pair_health's timedeltas."""
    if moment is None:
        return int(NONE)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def points(first: datetime, until: datetime) -> list[datetime]:
    """A point a week after `first` and every week on, or every few weeks so that there are
    at most MAX_POINTS; the last point is `until` itself."""
    if until <= first:
        return [until]
    weeks = math.ceil((until - first) / timedelta(weeks=1))
    step = timedelta(weeks=max(math.ceil(weeks / MAX_POINTS), 1))
    found = []
    moment = first + step
    # The last regular point is left out when it is less than half a step before `until`.
    while until - moment >= step / 2:
        found.append(moment)
        moment += step
    found.append(until)
    return found


def health_counts(
    pairs: Sequence[PairDates],
    meetings: Sequence[MeetingDates],
    moments: Sequence[datetime],
    *,
    cadence_weeks: int,
) -> list[dict[str, int]]:
    """For each moment, how many pairs were in each state (STATES); every pair is counted
    once at every moment, as not begun before it was formed."""
    created = np.array([micro(p.created_at) for p in pairs], dtype=np.int64)
    ended = np.array([micro(p.ended_at) for p in pairs], dtype=np.int64)
    held = sorted((micro(m.starts_at), m.pair) for m in meetings if m.confirmed)
    held_at = np.array([h[0] for h in held], dtype=np.int64)
    held_pair = np.array([h[1] for h in held], dtype=np.int64)
    booked = [m for m in meetings if not (m.cancelled and m.cancelled_at is None)]
    booked_pair = np.array([m.pair for m in booked], dtype=np.int64)
    booked_from = np.array([micro(m.created_at) for m in booked], dtype=np.int64)
    booked_at = np.array([micro(m.starts_at) for m in booked], dtype=np.int64)
    cancelled_at = np.array(
        [micro(m.cancelled_at) if m.cancelled else int(np.iinfo(np.int64).max) for m in booked],
        dtype=np.int64,
    )
    cadence = timedelta(weeks=max(cadence_weeks, 1)) // timedelta(microseconds=1)
    last = np.full(len(pairs), NONE, dtype=np.int64)
    done = 0
    result = []
    for moment in moments:
        now = micro(moment)
        # Meetings held by now, in order of their start: the latest one is the last.
        upto = int(np.searchsorted(held_at, now, side="right"))
        np.maximum.at(last, held_pair[done:upto], held_at[done:upto])
        done = upto
        ahead = (booked_from <= now) & (booked_at > now) & (cancelled_at > now)
        has_next = np.zeros(len(pairs), dtype=bool)
        has_next[booked_pair[ahead]] = True
        since = np.where(last != NONE, last, created)
        elapsed = now - since
        state = np.select(
            [
                created > now,
                (ended != NONE) & (ended <= now),
                has_next,
                elapsed >= 2 * cadence,
                elapsed >= cadence,
                4 * elapsed >= 3 * cadence,
            ],
            [5, 4, 0, 3, 2, 1],
            default=0,
        )
        tally = np.bincount(state, minlength=len(STATES)) if len(pairs) else np.zeros(6, int)
        result.append({name: int(tally[i]) for i, name in enumerate(STATES)})
    return result
