from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gensidig.meetings.tasks import send_nudges_task


class Command(BaseCommand):
    help = (
        "Queue today's reminders and nudges for running pairs: a meeting tomorrow, a "
        "reflection missing, no meeting booked for a cadence. Each goes out once. Run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_nudges_task.enqueue()
        self.stdout.write(f"Nudges queued (task {result.id}).")
