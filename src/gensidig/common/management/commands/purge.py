from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gensidig.common.retention import purge_expired


class Command(BaseCommand):
    help = "Purge what has passed its retention period (run daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in purge_expired().items():
            if options["verbosity"] >= 1:
                self.stdout.write(f"{name}: {count}")
