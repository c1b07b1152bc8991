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


def from_micro(micros: int) -> datetime:
    """The date and time `micro` gave these microseconds for."""
    return EPOCH + timedelta(microseconds=micros)


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
    return count_states(
        Pairs(
            created=np.array([micro(p.created_at) for p in pairs], dtype=np.int64),
            ended=np.array([micro(p.ended_at) for p in pairs], dtype=np.int64),
        ),
        Meetings(
            pair=np.array([m.pair for m in meetings], dtype=np.int64),
            starts=np.array([micro(m.starts_at) for m in meetings], dtype=np.int64),
            created=np.array([micro(m.created_at) for m in meetings], dtype=np.int64),
            confirmed=np.array([m.confirmed for m in meetings], dtype=bool),
            cancelled=np.array([m.cancelled for m in meetings], dtype=bool),
            cancelled_at=np.array([micro(m.cancelled_at) for m in meetings], dtype=np.int64),
        ),
        [micro(moment) for moment in moments],
        cadence_weeks=cadence_weeks,
    )


@dataclass(frozen=True)
class Pairs:
    """Per pair, in microseconds since 1970 (NONE for none): when it began and ended."""

    created: np.ndarray
    ended: np.ndarray


@dataclass(frozen=True)
class Meetings:
    """Per meeting: the pair's position, start, when it was proposed, whether it is
    confirmed or cancelled, and when it was cancelled (NONE if not known)."""

    pair: np.ndarray
    starts: np.ndarray
    created: np.ndarray
    confirmed: np.ndarray
    cancelled: np.ndarray
    cancelled_at: np.ndarray


def cadence_micros(cadence_weeks: int) -> int:
    """The program's cadence (at least a week) in microseconds."""
    return timedelta(weeks=max(cadence_weeks, 1)) // timedelta(microseconds=1)


def states_at(
    pairs: Pairs, last: np.ndarray, has_next: np.ndarray, now: int, cadence: int
) -> np.ndarray:
    """pair_health's rule on arrays: every begun pair's state at `now` (a position in
    STATES) from its last meeting held (NONE for none) and whether one is booked ahead."""
    elapsed = now - np.where(last != NONE, last, pairs.created)
    return np.select(
        [
            (pairs.ended != NONE) & (pairs.ended <= now),
            has_next,
            elapsed >= 2 * cadence,
            elapsed >= cadence,
            4 * elapsed >= 3 * cadence,
        ],
        [4, 0, 3, 2, 1],
        default=0,
    ).astype(np.int64)


def count_states(
    pairs: Pairs, meetings: Meetings, moments: Sequence[int], *, cadence_weeks: int
) -> list[dict[str, int]]:
    """health_counts on arrays, so the meetings of a large program never become Python
    objects."""
    count = len(pairs.created)
    order = np.argsort(meetings.starts[meetings.confirmed], kind="stable")
    held_at = meetings.starts[meetings.confirmed][order]
    held_pair = meetings.pair[meetings.confirmed][order]
    # A meeting cancelled at an unknown time never counts as booked.
    bookable = ~(meetings.cancelled & (meetings.cancelled_at == NONE))
    booked_pair = meetings.pair[bookable]
    booked_from = meetings.created[bookable]
    booked_at = meetings.starts[bookable]
    cancelled_at = np.where(
        meetings.cancelled[bookable], meetings.cancelled_at[bookable], np.iinfo(np.int64).max
    )
    cadence = cadence_micros(cadence_weeks)
    last = np.full(count, NONE, dtype=np.int64)
    done = 0
    result = []
    for now in moments:
        # Meetings held by now, in order of their start: the latest one is the last.
        upto = int(np.searchsorted(held_at, now, side="right"))
        np.maximum.at(last, held_pair[done:upto], held_at[done:upto])
        done = upto
        ahead = (booked_from <= now) & (booked_at > now) & (cancelled_at > now)
        has_next = np.zeros(count, dtype=bool)
        has_next[booked_pair[ahead]] = True
        state = np.where(
            pairs.created > now,
            STATES.index(NOT_BEGUN),
            states_at(pairs, last, has_next, now, cadence),
        )
        tally = np.bincount(state, minlength=len(STATES))
        result.append({name: int(tally[i]) for i, name in enumerate(STATES)})
    return result
