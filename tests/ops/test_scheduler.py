"""The daily schedule: each job once a day at the set local time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gensidig.ops.models import DailyRun
from gensidig.ops.scheduler import available_jobs, run_daily_job, tick

pytestmark = pytest.mark.django_db
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def test_tick_before_the_set_time_enqueues_nothing(database_queue: None, settings: Any) -> None:
    settings.GENSIDIG_DAILY_AT = "06:00"
    assert tick(now=datetime(2026, 12, 3, 5, 59, tzinfo=COPENHAGEN)) == []
    assert DailyRun.objects.count() == 0


def test_tick_enqueues_each_job_once_a_day(database_queue: None, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.GENSIDIG_DAILY_AT = "06:00"
    jobs = available_jobs()
    assert {"remind", "nudge", "pulse"} <= set(jobs)
    assert tick(now=datetime(2026, 12, 3, 6, 0, tzinfo=COPENHAGEN)) == jobs
    assert tick(now=datetime(2026, 12, 3, 23, 59, tzinfo=COPENHAGEN)) == []
    assert tick(now=datetime(2026, 12, 4, 6, 1, tzinfo=COPENHAGEN)) == jobs
    assert DBTaskResult.objects.count() == 2 * len(jobs)
    assert sorted(DailyRun.objects.values_list("day", flat=True).distinct()) == [
        datetime(2026, 12, 3).date(),
        datetime(2026, 12, 4).date(),
    ]


def test_tick_uses_local_time_not_utc(database_queue: None, settings: Any) -> None:
    settings.GENSIDIG_DAILY_AT = "00:30"
    # 23:45 UTC on the 3rd is 00:45 on the 4th in Copenhagen.
    tick(now=datetime(2026, 12, 3, 23, 45, tzinfo=ZoneInfo("UTC")))
    assert set(DailyRun.objects.values_list("day", flat=True)) == {datetime(2026, 12, 4).date()}


def test_daily_job_task_runs_the_command(database_queue: None) -> None:
    from django_tasks_db.models import DBTaskResult

    run_daily_job.call(job="remind", day="2026-12-03")
    # `gensidig remind` queues the day's reminders as their own task.
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "gensidig.matching.tasks.remind_undecided_task"
    ]


def test_daily_job_task_refuses_other_commands() -> None:
    with pytest.raises(ValueError, match="Not a daily job"):
        run_daily_job.call(job="flush", day="2026-12-03")
