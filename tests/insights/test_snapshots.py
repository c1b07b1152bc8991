"""Daily snapshots of pair health: the daily run writes today's, the back-fill writes the
past from the meetings' history by the same rule, and neither writes a day twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from gensidig.insights.models import HealthSnapshot
from gensidig.insights.series import health_counts
from gensidig.insights.snapshots import (
    backfill_health_snapshots,
    noon,
    record_health_snapshots,
)
from gensidig.meetings.tasks import send_nudges_task
from tests.insights.conftest import build_pairs


def day_counts(program: Any, day: Any) -> dict[str, int]:
    return dict(
        HealthSnapshot.objects.filter(program=program, day=day).values_list("state", "pairs")
    )


@pytest.mark.django_db
def test_daily_run_records_todays_health_once(program: Any) -> None:
    build_pairs(program, 6)
    send_nudges_task.enqueue()
    today = timezone.localdate()
    assert day_counts(program, today) == {
        "on_track": 3,
        "due": 0,
        "overdue": 3,
        "stalled": 0,
        "ended": 0,
    }
    # Run again the same day: the day's counts are replaced, not added.
    record_health_snapshots()
    assert HealthSnapshot.objects.filter(program=program, day=today).count() == 5
    assert sum(day_counts(program, today).values()) == 6


@pytest.mark.django_db
def test_backfill_writes_each_missing_day_by_the_history_rule(program: Any) -> None:
    pairs = build_pairs(program, 4)
    today = timezone.localdate()
    first = timezone.localdate(pairs[0].created_at)
    record_health_snapshots()
    written = backfill_health_snapshots(program=program, until=today)
    assert written == (today - first).days
    # A second back-fill finds nothing missing.
    assert backfill_health_snapshots(program=program, until=today) == 0
    # Day 35: each day's counts are what the history rule gives at that day's noon.
    day = first + timedelta(days=35)
    from gensidig.insights.series import MeetingDates, PairDates

    expected = health_counts(
        [PairDates(created_at=p.created_at, ended_at=p.ended_at) for p in pairs],
        [
            MeetingDates(
                pair=i,
                starts_at=m.starts_at,
                created_at=m.created_at,
                confirmed=m.status == "confirmed",
                cancelled=m.status == "cancelled",
                cancelled_at=m.cancelled_at,
            )
            for i, p in enumerate(pairs)
            for m in p.meetings.all()
        ],
        [noon(day)],
        cadence_weeks=program.cadence_weeks,
    )[0]
    expected.pop("not_begun")
    assert day_counts(program, day) == expected


@pytest.mark.django_db
def test_backfill_health_command_reports_each_program(program: Any, capsys: Any) -> None:
    pairs = build_pairs(program, 2)
    call_command("backfill_health")
    days = (timezone.localdate() - timezone.localdate(pairs[0].created_at)).days
    assert capsys.readouterr().out == f"{program.name}: {days} days written.\n"
