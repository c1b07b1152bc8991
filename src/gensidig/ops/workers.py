"""Several `gensidig worker` processes share the database queue safely.

django-tasks-db already claims each task under `SELECT ... FOR UPDATE SKIP LOCKED`, so two
workers never take the same task. What it does not do is notice a worker that died: its
task stays RUNNING for good. Here each worker writes a heartbeat row every
GENSIDIG_WORKER_HEARTBEAT seconds; any worker reaps tasks that are RUNNING under a worker
whose heartbeat is older than GENSIDIG_WORKER_LEASE seconds: such a task is made READY
again, or, once it has been tried GENSIDIG_TASK_ATTEMPTS times, marked FAILED (and reported
like any failed task, so an import page says the import failed).

A task that was cut off mid-way was cut off inside its transaction, which the database
rolls back; running it again is safe because tasks are written to be idempotent (an
import saves all or nothing and updates the same people on a second run)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.tasks.base import TaskResultStatus
from django.tasks.signals import task_finished
from django.utils import timezone

from gensidig.ops.models import WorkerHeartbeat

logger = logging.getLogger("gensidig.tasks")


class WorkerLost(Exception):
    """The worker running this task stopped (killed, out of memory, machine lost)."""


def beat(worker_id: str, *, now: datetime | None = None) -> None:
    moment = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=moment)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": moment,
                "seen_at": moment,
            },
        )


def forget(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def reap_lost_tasks(*, now: datetime | None = None) -> dict[str, int]:
    """Give tasks of dead workers another try, or fail them after the last attempt."""
    from django_tasks_db.models import DBTaskResult

    moment = now or timezone.now()
    cutoff = moment - timedelta(seconds=settings.GENSIDIG_WORKER_LEASE)
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    failed: list[Any] = []
    retried = 0
    with transaction.atomic():
        candidates = (
            DBTaskResult.objects.running()
            .filter(started_at__lt=cutoff)
            .select_for_update(skip_locked=True)
        )
        for row in candidates:
            if row.worker_ids and row.worker_ids[-1] in alive:
                continue
            if len(row.worker_ids) < settings.GENSIDIG_TASK_ATTEMPTS:
                row.status = TaskResultStatus.READY
                row.save(update_fields=["status"])
                retried += 1
                logger.warning(
                    "Task %s (%s) was lost with worker %s; queued again (attempt %d of %d).",
                    row.task_path,
                    row.id,
                    row.worker_ids[-1] if row.worker_ids else "?",
                    len(row.worker_ids) + 1,
                    settings.GENSIDIG_TASK_ATTEMPTS,
                )
            else:
                row.set_failed(
                    WorkerLost(f"its worker stopped on each of {len(row.worker_ids)} attempts")
                )
                failed.append(row)
    for row in failed:
        # After the commit: receivers (the failure report, an import's page) see it failed.
        try:
            sender = type(row.task.get_backend())
            task_finished.send(sender=sender, task_result=row.task_result)
        except Exception:
            logger.exception("Reporting the lost task %s failed", row.id)
    # Rows of workers gone for a day are of no further use.
    WorkerHeartbeat.objects.filter(seen_at__lt=moment - timedelta(days=1)).delete()
    return {"retried": retried, "failed": len(failed)}


class Heartbeat(threading.Thread):
    """Runs beside a worker's main loop: heartbeat, reaping, and (optionally) the daily
    schedule. It survives a database that is away for a while."""

    def __init__(self, worker_id: str, *, also: Callable[[], object] | None = None) -> None:
        super().__init__(name="gensidig-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.also = also
        self.stopped = threading.Event()

    def run_once(self) -> None:
        try:
            beat(self.worker_id)
            reap_lost_tasks()
            if self.also is not None:
                self.also()
        except DatabaseError as error:
            logger.warning("Heartbeat of worker %s failed: %s", self.worker_id, error)
            connection.close()
        finally:
            close_old_connections()

    def run(self) -> None:
        while not self.stopped.wait(settings.GENSIDIG_WORKER_HEARTBEAT):
            self.run_once()
        connection.close()

    def stop(self) -> None:
        self.stopped.set()
