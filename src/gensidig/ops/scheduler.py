"""The daily jobs without cron: at GENSIDIG_DAILY_AT local time (TIME_ZONE) each job is
enqueued once for the day. `gensidig scheduler` runs `tick` every minute; `gensidig worker
--schedule` runs it with its heartbeat. Any number of them may run: a row per job and day
under a unique constraint decides which one enqueues, in the same transaction as the task
row, so a job is enqueued once, or (on a crash) not at all and again on the next tick.

Those who prefer cron keep running `gensidig remind`, `nudge`, `pulse`, `purge` and
`recheck_domains`."""

from __future__ import annotations

import logging
from datetime import datetime, time

from django.conf import settings
from django.core.management import call_command, get_commands
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from gensidig.ops.models import DailyRun

logger = logging.getLogger("gensidig.tasks")

# Each is a `gensidig` command that queues the day's work. `purge` (the retention purge of
# issue 14) joins as soon as its command exists: until then it is left out, and said so.
DAILY_JOBS = ("remind", "nudge", "pulse", "purge", "recheck_domains")


def daily_at() -> time:
    hours, _, minutes = settings.GENSIDIG_DAILY_AT.partition(":")
    return time(int(hours), int(minutes or 0))


def available_jobs() -> list[str]:
    commands = get_commands()
    return [job for job in DAILY_JOBS if job in commands]


@task()
def run_daily_job(*, job: str, day: str) -> str:
    """Run one daily command in the worker (each queues or does the day's work; each is
    safe to run twice on a day: reminders and nudges record what they sent)."""
    if job not in DAILY_JOBS:
        raise ValueError(f"Not a daily job: {job!r}")
    call_command(job, verbosity=0)
    return f"{job} {day}"


def tick(*, now: datetime | None = None) -> list[str]:
    """Enqueue the jobs due today that no scheduler has enqueued yet; returns their names."""
    local = timezone.localtime(now or timezone.now())
    if local.time() < daily_at():
        return []
    enqueued = []
    for job in available_jobs():
        try:
            with transaction.atomic():
                run = DailyRun.objects.create(job=job, day=local.date())
                result = run_daily_job.enqueue(job=job, day=local.date().isoformat())
                run.task_id = str(result.id)
                run.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # another scheduler (or an earlier tick) has it
        enqueued.append(job)
        logger.info("Daily job %s enqueued for %s.", job, local.date(), extra={"job": job})
    return enqueued
