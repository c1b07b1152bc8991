from __future__ import annotations

import signal
import threading
import time
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

from gensidig.ops.scheduler import DAILY_JOBS, available_jobs, tick


class Command(BaseCommand):
    help = (
        "Enqueue the daily jobs (remind, nudge, pulse, the retention purge and the domain "
        "re-check) once a day at "
        "GENSIDIG_DAILY_AT local time; several schedulers may run, each job still runs once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One tick, then exit.")
        parser.add_argument(
            "--now", default="", help="Pretend it is this moment (ISO 8601; for tests)."
        )

    def handle(self, *args: Any, once: bool, now: str, **options: Any) -> None:
        missing = sorted(set(DAILY_JOBS) - set(available_jobs()))
        if missing:
            self.stderr.write(f"Not scheduled (no such command yet): {', '.join(missing)}")
        moment = datetime.fromisoformat(now) if now else None
        if once:
            for job in tick(now=moment):
                self.stdout.write(f"enqueued {job}")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.is_set():
            try:
                tick()
            except DatabaseError as error:
                self.stderr.write(f"Scheduler tick failed (tries again): {error}")
            close_old_connections()
            # Wake at the start of the next minute: cheap, and on time to the minute.
            stop.wait(60 - time.time() % 60)
