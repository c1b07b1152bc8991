from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _


def default_workers() -> int:
    """One process per core the process may use, at least two (one busy process must not
    hold up the rest); threads within each cover waiting on the database."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(2, cores)


class Command(BaseCommand):
    help = (
        "Serve Gensidig with gunicorn (several processes with threads, graceful shutdown "
        "on SIGTERM, static files through whitenoise, one access-log line a request)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=settings.GENSIDIG_WEB_WORKERS or default_workers()
        )
        parser.add_argument("--threads", type=int, default=settings.GENSIDIG_WEB_THREADS)
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="Do not migrate first (production: migrate once per release, see docs/deploy.md).",
        )

    def gunicorn_argv(self, *, host: str, port: int, workers: int, threads: int) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn",
            "--config", "python:gensidig.ops.gunicorn_conf",
            "--bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "--workers", str(workers),
            "--threads", str(threads),
            # Each gunicorn of a user shares ~/.gunicorn/gunicorn.ctl by default; on a
            # shared machine that mixes up servers, and we do not use it.
            "--no-control-socket",
            "gensidig.wsgi:application",
        ]  # fmt: skip

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        threads: int,
        no_migrate: bool,
        **options: Any,
    ) -> None:
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gensidig.settings")
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # The web processes share request metrics through files; start clean each time.
            metrics_dir = settings.DATA_DIR / "metrics" / str(port)
            shutil.rmtree(metrics_dir, ignore_errors=True)
            metrics_dir.mkdir(parents=True)
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        self.stdout.write(
            _("Gensidig is running on http://%(host)s:%(port)s/ (Ctrl+C stops it).")
            % {"host": host, "port": port}
        )
        self.stdout.flush()
        sys.stdout.flush()
        # gunicorn takes over this process, so a supervisor's SIGTERM reaches it directly.
        argv = self.gunicorn_argv(host=host, port=port, workers=workers, threads=threads)
        os.execv(argv[0], argv)
