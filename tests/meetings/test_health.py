"""Pair health is a pure function of the dates and a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from gensidig.meetings.health import HealthState, pair_health

BEGAN = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)


def state_at(days: float, **kwargs: object) -> HealthState:
    arguments: dict[str, object] = {
        "cadence_weeks": 4,
        "started_at": BEGAN,
        "last_met_at": None,
        "next_meeting_at": None,
        **kwargs,
    }
    return pair_health(now=BEGAN + timedelta(days=days), **arguments).state  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, HealthState.ON_TRACK),
        (20.9, HealthState.ON_TRACK),
        (21, HealthState.DUE),
        (27.9, HealthState.DUE),
        (28, HealthState.OVERDUE),
        (55.9, HealthState.OVERDUE),
        (56, HealthState.STALLED),
        (200, HealthState.STALLED),
    ],
)
def test_health_without_meetings_moves_from_on_track_to_stalled(
    days: float, expected: HealthState
) -> None:
    assert state_at(days) == expected


def test_health_counts_from_the_last_meeting_not_the_start() -> None:
    met = BEGAN + timedelta(days=50)
    assert state_at(56, last_met_at=met) == HealthState.ON_TRACK
    assert state_at(50 + 21, last_met_at=met) == HealthState.DUE
    assert state_at(50 + 28, last_met_at=met) == HealthState.OVERDUE
    assert state_at(50 + 56, last_met_at=met) == HealthState.STALLED


def test_health_booked_meeting_keeps_a_stalled_pair_on_track_until_it_passes() -> None:
    booked = BEGAN + timedelta(days=70)
    assert state_at(60, next_meeting_at=booked) == HealthState.ON_TRACK
    # The booked time has passed without being held (cancelled, or never confirmed).
    assert state_at(71, next_meeting_at=booked) == HealthState.STALLED


@translation.override("en")
def test_health_reason_names_days_and_booking() -> None:
    health = pair_health(
        now=BEGAN + timedelta(days=30),
        cadence_weeks=4,
        started_at=BEGAN,
        last_met_at=BEGAN + timedelta(days=1),
        next_meeting_at=None,
    )
    assert health.state == HealthState.OVERDUE
    assert health.reason == "The last meeting was 29 days ago, and none is booked."
    fresh = pair_health(
        now=BEGAN + timedelta(days=1),
        cadence_weeks=4,
        started_at=BEGAN,
        last_met_at=None,
        next_meeting_at=None,
    )
    assert fresh.reason == "No meeting yet, 1 day since the pair began, and none booked."


def test_health_ended_pair_is_ended() -> None:
    assert state_at(100, ended_at=BEGAN + timedelta(days=99)) == HealthState.ENDED


@translation.override("en")
def test_health_reason_on_the_day_itself_says_today() -> None:
    first_day = pair_health(
        now=BEGAN + timedelta(hours=3),
        cadence_weeks=4,
        started_at=BEGAN,
        last_met_at=None,
        next_meeting_at=None,
    )
    assert first_day.reason == "The pair began today, and no meeting is booked."
    met_today = pair_health(
        now=BEGAN + timedelta(days=9, hours=3),
        cadence_weeks=4,
        started_at=BEGAN,
        last_met_at=BEGAN + timedelta(days=9),
        next_meeting_at=None,
    )
    assert met_today.reason == "The last meeting was today, and none is booked."
