from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from gensidig.matching.tasks import remind_undecided_task


class Command(BaseCommand):
    help = (
        "Queue today's reminders: participants who have not answered a proposal for "
        "GENSIDIG_ACCEPT_REMINDER_DAYS days get one email. Run it daily (cron or a scheduler)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = remind_undecided_task.enqueue(
            older_than_days=settings.GENSIDIG_ACCEPT_REMINDER_DAYS
        )
        self.stdout.write(f"Reminders queued (task {result.id}).")
