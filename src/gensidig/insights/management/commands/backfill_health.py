from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gensidig.insights.snapshots import backfill_health_snapshots, programs_with_pairs


class Command(BaseCommand):
    help = (
        "Write the daily pair-health snapshots that the insights dashboard reads for every "
        "past day that has none yet, from the meetings' history. Run it once after upgrading "
        "(and after a restore); the daily run (gensidig nudge) writes each new day."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for program in programs_with_pairs():
            days = backfill_health_snapshots(program=program)
            self.stdout.write(f"{program.name}: {days} days written.")
