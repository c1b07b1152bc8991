from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gensidig.insights.tasks import send_pulses_task


class Command(BaseCommand):
    help = (
        "Queue the pulses due today (after a month, at the midpoint, at the end of each "
        "running program), one reminder to those who have not answered, and close the pulses "
        "that have been open for two weeks (the pulse.closed webhook). Run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_pulses_task.enqueue()
        self.stdout.write(f"Pulses queued (task {result.id}).")
