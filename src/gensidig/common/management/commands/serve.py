from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Serve Gensidig on 127.0.0.1 (static files through whitenoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, port: int, host: str, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            _("Gensidig is running on http://%(host)s:%(port)s/ (Ctrl+C stops it).")
            % {"host": host, "port": port}
        )
        # One process without the autoreloader: the demo and a small firm need no more.
        # Production runs the WSGI app (gensidig.wsgi) under gunicorn instead; see README.
        call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)
