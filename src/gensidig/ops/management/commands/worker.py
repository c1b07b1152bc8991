from __future__ import annotations

import os
import socket
from argparse import ArgumentParser
from typing import Any

from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from gensidig.ops.workers import Heartbeat, beat, forget, reap_lost_tasks


class Command(DatabaseWorkerCommand):
    help = (
        "Run background tasks from the database queue (django-tasks-db's db_worker) with a "
        "heartbeat, so that the tasks of a worker that died are tried again or failed; "
        "--schedule also enqueues the daily jobs (see `gensidig scheduler`)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Also enqueue the daily jobs at GENSIDIG_DAILY_AT (safe on every worker).",
        )
        # A readable id (host and process) that is still unique across the pool.
        host = socket.gethostname().split(".")[0][:30]
        parser.set_defaults(worker_id=f"{host}-{os.getpid()}-{get_random_string(8)}")

    def handle(self, **options: Any) -> None:
        schedule = options.pop("schedule", False)
        worker_id = options["worker_id"]
        also = None
        if schedule:
            from gensidig.ops.scheduler import tick

            also = tick
        beat(worker_id)
        # Before the first task: what workers that died left behind.
        reap_lost_tasks()
        heartbeat = Heartbeat(worker_id, also=also)
        heartbeat.start()
        try:
            super().handle(**options)
        finally:
            heartbeat.stop()
            forget(worker_id)
